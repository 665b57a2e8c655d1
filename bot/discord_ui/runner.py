"""The Discord front end: endpoints, and the start-up errors a new admin can fix."""

from __future__ import annotations

import logging
import os

import discord
import yarl

from bot.app import FrontEndRefused, Runtime
from bot.discord_ui.client import GrillBot
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


class DiscordFrontEnd:
    """The Discord bot as one of the process's front ends (bot.frontends runs them)."""

    name = "Discord"

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        assert settings.token
        use_endpoints(os.environ)
        self.token = settings.token
        self.bot = GrillBot(settings, runtime)

    async def serve(self) -> None:
        """Run until closed; a token or intent Discord refuses raises FrontEndRefused with the fix."""
        try:
            async with self.bot:
                await self.bot.start(self.token)
        except discord.LoginFailure as error:
            raise FrontEndRefused(TOKEN_HELP) from error
        except discord.PrivilegedIntentsRequired as error:
            raise FrontEndRefused(INTENT_HELP) from error

    async def close(self) -> None:
        await self.bot.close()
