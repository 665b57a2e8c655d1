"""The bot under test as a real subprocess with Slack's tokens and the double's Web API base URL
(the Socket Mode URL comes from apps.connections.open, so that one variable redirects both)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.e2e.process import BOT_ARGV, REPO_ROOT, BotProcess
from tests.e2e_slack.fake_slack import FakeSlack


class SlackBotProcess(BotProcess):
    """`tests.e2e.process.BotProcess` (start, stop, kill -9, restart, output) started for Slack only:
    SLACK_BOT_TOKEN, SLACK_APP_TOKEN, GRILLBOT_SLACK_API_BASE, and no DISCORD_TOKEN."""

    def __init__(
        self, fake: FakeSlack, workdir: Path, *, argv: Sequence[str] = BOT_ARGV, env: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(fake, workdir, argv=argv, env=env)  # type: ignore[arg-type]
        self.slack = fake

    def environment(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "GRILLBOT_", "SLACK_"))}
        return (
            inherited
            | {
                "SLACK_BOT_TOKEN": self.slack.bot_token,
                "SLACK_APP_TOKEN": self.slack.app_token,
                "GRILLBOT_SLACK_API_BASE": self.slack.api_base,
                "GRILLBOT_DB": str(self.db_path),
                "GRILLBOT_LOG_LEVEL": "DEBUG",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
                "PYTHONUNBUFFERED": "1",
            }
            | self.extra_env
        )

    async def start(self, *, within: float = 20.0, wait_for_commands: bool = True) -> None:
        """Launch and wait until the bot's Socket Mode client got `hello` on a new connection."""
        hellos = self.slack.socket.hellos
        await self._launch()
        await self._wait(lambda: self.slack.socket.hellos > hellos, within, "a Socket Mode connection (hello)")
