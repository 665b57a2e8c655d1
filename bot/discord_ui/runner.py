"""Start the Discord bot: endpoints, signals, and the start-up errors a new admin can fix."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import discord
import yarl

from bot.discord_ui.client import GrillBot, make_bot
from bot.settings import Settings

log = logging.getLogger(__name__)

INTENT_HELP = """\
Discord refused the connection: the Message Content intent is not enabled for this bot.
Open https://discord.com/developers/applications > your app > Bot > Privileged Gateway Intents,
turn on MESSAGE CONTENT INTENT, save, and start again."""
TOKEN_HELP = """\
Discord refused DISCORD_TOKEN. Copy the bot token again from the Developer Portal
(your app > Bot > Reset Token) into .env, and start again."""


def use_endpoints(environ: dict[str, str] | os._Environ[str]) -> None:
    """Point discord.py at another REST base and gateway (a local Discord double in the e2e tests).

    discord.py builds every REST URL from `Route.BASE` and connects to `DEFAULT_GATEWAY` without
    asking Discord, so these two class attributes are the whole redirection.
    """
    api_base = environ.get("GRILLBOT_DISCORD_API_BASE")
    gateway = environ.get("GRILLBOT_DISCORD_GATEWAY")
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    if api_base or gateway:
        log.warning("using non-Discord endpoints: REST %s, gateway %s", api_base, gateway)


async def _serve(bot: GrillBot, token: str) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    async with bot:
        await bot.start(token)


def run(settings: Settings) -> int:
    use_endpoints(os.environ)
    assert settings.token
    bot = make_bot(settings)
    try:
        asyncio.run(_serve(bot, settings.token))
    except discord.LoginFailure:
        print(TOKEN_HELP, file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print(INTENT_HELP, file=sys.stderr)
        return 2
    return 0
