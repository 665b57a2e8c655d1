"""`python -m bot run`: every front end whose tokens are set, in one process on one database.

Discord runs with DISCORD_TOKEN, Slack with SLACK_BOT_TOKEN and SLACK_APP_TOKEN. They share one
`Runtime` (services, the publisher router, the step runner's jobs), so a timed step goes to the
platform of its space whichever front end started the runner. SIGTERM or SIGINT closes them all;
one that stops on its own (a refused token) closes the others too, and the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Protocol

from bot.app import FrontEndRefused, Runtime, open_runtime
from bot.core.platform import Platform
from bot.settings import Settings

log = logging.getLogger(__name__)

NO_TOKEN = """\
No chat platform is configured, so the bot cannot start. Set up Discord, Slack, or both
(cp .env.example .env first):

  Discord: create an application and bot at https://discord.com/developers/applications
           (README: "Create the Discord application"), then put its token after DISCORD_TOKEN=
  Slack:   create an app from slack/manifest.yml at https://api.slack.com/apps (README: "Slack"),
           then put its tokens after SLACK_BOT_TOKEN= (xoxb-...) and SLACK_APP_TOKEN= (xapp-...)

Then: make run

To practise without any chat platform right now:  python -m bot practice   (or: make practice)
"""


class FrontEnd(Protocol):
    name: str

    async def serve(self) -> None:
        """Run until closed; raise FrontEndRefused with the fix when the platform refuses to start."""
        ...

    async def close(self) -> None: ...


def build(settings: Settings, runtime: Runtime) -> list[FrontEnd]:
    """The front ends whose tokens are set. Each imports its own platform library only when used."""
    front_ends: list[FrontEnd] = []
    if settings.token:
        from bot.discord_ui.runner import DiscordFrontEnd

        front_ends.append(DiscordFrontEnd(settings, runtime))
    if settings.slack:
        from bot.slack_ui.app import SlackFrontEnd

        front_ends.append(SlackFrontEnd(settings, runtime))
    return front_ends


def platforms(settings: Settings) -> list[Platform]:
    """The words and limits of the platforms served (each module here is free of its platform library)."""
    served = []
    if settings.token:
        from bot.discord_ui.platform import DISCORD

        served.append(DISCORD)
    if settings.slack:
        from bot.slack_ui.platform import SLACK

        served.append(SLACK)
    return served


async def serve(settings: Settings) -> None:
    async with open_runtime(settings, platforms(settings)) as runtime:
        await run_all(build(settings, runtime))


async def run_all(front_ends: list[FrontEnd]) -> None:
    """Serve every front end until a signal, or until one stops; then close them all. A front end's
    FrontEndRefused (or other failure) is raised once all are closed."""
    loop = asyncio.get_running_loop()
    closing: list[asyncio.Future[object]] = []

    def close_all() -> None:
        if not closing:
            closing.append(asyncio.ensure_future(asyncio.gather(*(f.close() for f in front_ends))))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, close_all)
    log.info("starting front ends: %s", ", ".join(f.name for f in front_ends))
    tasks = [asyncio.create_task(f.serve(), name=f"front-end:{f.name}") for f in front_ends]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        close_all()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        await closing[0]
        for task in done:
            task.result()  # the first front end to stop: its refusal reaches the caller with its fix
        for front_end, outcome in zip(front_ends, outcomes, strict=True):
            if isinstance(outcome, Exception):
                log.error("front end %s stopped with an error", front_end.name, exc_info=outcome)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def run(settings: Settings) -> int:
    if not settings.token and not settings.slack:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(settings))
    except FrontEndRefused as refused:
        print(refused, file=sys.stderr)
        return 2
    return 0
