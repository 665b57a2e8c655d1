"""The many-servers fan-out: N configured servers whose post time passed today, one bot start, Discord's
strict global limit. Shared by tests/e2e/test_reliability.py and `python -m bench.fanout`.

The database and the double are seeded directly (no slash commands): each server has a grill channel
and settings with a post at 00:00 UTC, which has always passed today, so the bot plans every missed
post at start and the step runner fans them out through the posting limiter.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.models import GuildSettings
from bot.discord_ui.refs import space_ref
from bot.storage.db import SqliteDatabase as Database
from bot.storage.spaces import SpaceRepo
from tests.e2e.fake_models import Channel
from tests.e2e.harness import Harness
from tests.e2e.process import BotProcess

POST_MESSAGE = "POST /channels/{channel_id}/messages"
OPEN_THREAD = "POST /channels/{channel_id}/messages/{message_id}/threads"
GLOBAL_PER_SECOND = 50


@dataclass(frozen=True, slots=True)
class Seeded:
    db_path: Path
    channels: list[Channel]


@dataclass(frozen=True, slots=True)
class FanoutResult:
    servers: int
    requests: int  # every REST request from the first post on (429s included)
    answered: int  # those answered 2xx
    seconds: float  # first post request to the last thread opened
    rate_limited: int  # 429s seen
    missed: int  # servers without exactly one post with its thread
    duplicated: int  # servers with more than one post (or a post sent twice)

    @property
    def floor(self) -> float:
        """The least time Discord's global limit allows for the requests that succeeded."""
        return self.answered / GLOBAL_PER_SECOND

    def summary(self) -> str:
        return (
            f"{self.servers} servers, {self.answered} requests answered ({self.requests} sent) in "
            f"{self.seconds:.1f} s against a floor of {self.floor:.1f} s ({self.seconds / self.floor:.2f}x); "
            f"429s {self.rate_limited}, posts missed {self.missed}, duplicated {self.duplicated}"
        )


async def seed_fanout(discord: Harness, db_path: Path, *, servers: int) -> Seeded:
    """`servers` guilds in the double, each with a #grill channel, and their settings in a fresh database."""
    channels = []
    for n in range(servers):
        guild = await discord.add_guild(f"server {n}")
        channels.append(await discord.add_text_channel(guild, "grill"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    async with Database(str(db_path)) as db:
        spaces = SpaceRepo(db)
        now = datetime.now(UTC)
        for channel in channels:
            settings = GuildSettings(space_ref(channel.guild.id), str(channel.id), "00:00", "UTC")
            await spaces.save_settings(settings, now)
    return Seeded(db_path, channels)


Launch = Callable[..., Awaitable[BotProcess]]


async def run_fanout(discord: Harness, seeded: Seeded, launch: Launch, *, within: float) -> FanoutResult:
    """Start the bot on the seeded database under the global window; wait until every post step ended."""
    discord.rest.global_window(GLOBAL_PER_SECOND)
    first = len(discord.rest.requests)
    bot = await launch(env={"GRILLBOT_DB": str(seeded.db_path)}, within=60.0)
    servers = len(seeded.channels)

    def ended() -> bool:  # the double first (cheap), then the database
        opened = sum(1 for c in discord.rest.requests[first:] if c.route == OPEN_THREAD and c.status == 200)
        return opened >= servers and _ended(seeded.db_path) >= servers

    await discord.wait_until(ended, within=within, what="every post step to end")
    await bot.stop()
    discord.rest.global_window(None)
    calls = discord.rest.requests[first:]
    posting = [c for c in calls if c.route in (POST_MESSAGE, OPEN_THREAD)]
    start = min(c.at for c in posting)
    from_first_post = [c for c in calls if c.at >= start]
    opened = [c.at for c in posting if c.route == OPEN_THREAD and c.status == 200]
    sends = Counter(c.path for c in posting if c.route == POST_MESSAGE and c.status == 200)
    missed = duplicated = 0
    for channel in seeded.channels:
        posts = [m for m in discord.state.history(channel) if m.author is discord.state.bot]
        if len(posts) > 1 or sends[f"/channels/{channel.id}/messages"] > 1:
            duplicated += 1
        elif len(posts) != 1 or discord.thread_of(posts[0]) is None:
            missed += 1
    return FanoutResult(
        servers=len(seeded.channels),
        requests=len(from_first_post),
        answered=sum(1 for c in from_first_post if 200 <= c.status < 300),
        seconds=(max(opened) - start) if opened else float("inf"),
        rate_limited=sum(1 for c in from_first_post if c.status == 429),
        missed=missed,
        duplicated=duplicated,
    )


def _ended(db_path: Path) -> int:
    try:
        with sqlite3.connect(db_path, timeout=1.0) as db:
            row: Any = db.execute("SELECT COUNT(*) FROM steps WHERE kind = 'post' AND state IN ('done', 'failed')")
            return int(row.fetchone()[0])
    except sqlite3.OperationalError:  # the bot has not migrated yet, or holds the write lock
        return 0
