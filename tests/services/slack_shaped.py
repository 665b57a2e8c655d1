"""Slack-shaped spaces and refs for service tests: two workspaces whose posts carry the same
`<channel>:<ts>` refs, as two Slack workspaces can, next to a Discord server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.app import Services, open_services
from bot.core.content import Bank
from bot.core.models import GuildSettings, Round
from bot.core.platform import Platform
from bot.discord_ui.platform import DISCORD
from tests.conftest import FIXTURE_CONTENT
from tests.fakes import FakeClock, FakePublisher

SLACK = Platform(name="slack", space="workspace", answer_limit=3000)  # as the Slack adapter declares it
TEAM_A, TEAM_B, GUILD = "slack:T0AAAAAAA", "slack:T0BBBBBBB", "discord:1"
CHANNEL = "C0GRILL01"
POST_TS = "1700000000.000100"  # the post's ts: its thread's ref in both workspaces


def slack_ref(ts: str) -> str:
    return f"{CHANNEL}:{ts}"


@dataclass
class SlackShapedPublisher(FakePublisher):
    """Posts every round as message `C0GRILL01:1700000000.000100`, whose thread has the same ref."""

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        await super().post_round(rnd, settings)
        return slack_ref(POST_TS), slack_ref(POST_TS)


@asynccontextmanager
async def slack_services(database: str, clock: FakeClock, bank: Bank) -> AsyncIterator[tuple[Services, FakePublisher]]:
    """Services over `database` (a SQLite path or a PostgreSQL URL) serving Slack and Discord spaces."""
    publisher = SlackShapedPublisher()
    async with open_services(
        database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank, platforms=(SLACK, DISCORD)
    ) as services:
        yield services, publisher


async def open_round(services: Services, clock: FakeClock, space: str, *, blind: bool = False) -> Round:
    await services.grill.setup(space, CHANNEL, "09:00", "UTC", "daily", blind)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return await services.grill.post_daily(space, scheduled=True)


def full_scores(rnd: Round, value: int = 2) -> dict[str, int]:
    return {c.id: value for c in rnd.question.criteria}
