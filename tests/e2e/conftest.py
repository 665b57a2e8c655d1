"""Fixtures for end-to-end tests: a running Discord double, a small standard guild, and bot processes."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_models import Channel, Guild
from tests.e2e.harness import Actor, Harness
from tests.e2e.process import BOT_ARGV, BotProcess

E2E_TEST_TIMEOUT = 30.0  # seconds; an e2e test that hangs fails instead of stalling the run
ACK_LIMIT = 2.5  # seconds from dispatch to a bot's first response, checked after every test that ran a bot

LaunchBot = Callable[..., Awaitable[BotProcess]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: runs the bot as a process against the local Discord double")
    config.addinivalue_line("markers", "e2e_timeout(seconds): a longer bound for an e2e test that waits on a clock")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Bound every async e2e test by E2E_TEST_TIMEOUT (pytest-timeout is not a dependency)."""
    for item in items:
        test = getattr(item, "obj", None)
        if item.get_closest_marker("e2e") and inspect.iscoroutinefunction(test):
            longer = item.get_closest_marker("e2e_timeout")
            item.obj = _bounded(test, longer.args[0] if longer else E2E_TEST_TIMEOUT)  # type: ignore[attr-defined]


def _bounded(test: Callable[..., Awaitable[None]], seconds: float) -> Callable[..., Awaitable[None]]:
    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> None:
        async with asyncio.timeout(seconds):
            await test(*args, **kwargs)

    return run


@dataclass(frozen=True, slots=True)
class StudyGroup:
    guild: Guild
    general: Channel
    admin: Actor  # has Manage Server
    member: Actor


@pytest.fixture
async def discord() -> AsyncIterator[Harness]:
    async with FakeDiscord() as fake:
        yield Harness(fake)


@pytest.fixture
async def study_group(discord: Harness) -> StudyGroup:
    guild = await discord.add_guild("Study group")
    general = await discord.add_text_channel(guild, "general")
    admin = await discord.add_member(guild, "alice", admin=True)
    member = await discord.add_member(guild, "bob")
    return StudyGroup(guild, general, admin, member)


@pytest.fixture
async def launch_bot(discord: Harness, tmp_path: Path) -> AsyncIterator[LaunchBot]:
    """`bot = await launch_bot()` starts the real bot (or `argv=...` another one) and waits for READY.

    Every process is stopped at teardown; its output is printed, which pytest shows for failed tests.
    """
    launched: list[BotProcess] = []

    async def launch(argv: Sequence[str] = BOT_ARGV, *, env: dict[str, str] | None = None, **start: Any) -> BotProcess:
        workdir = tmp_path / f"bot{len(launched)}"
        workdir.mkdir()
        bot = BotProcess(discord.fake, workdir, argv=argv, env=env)
        launched.append(bot)
        await bot.start(**start)
        return bot

    yield launch
    for bot in launched:
        if bot.process is not None:
            await bot.stop()
        print(f"---- {bot.argv} output (tail) ----\n{bot.tail(200)}")
    late = [(r.id, r.latency) for r in discord.slow_interactions(ACK_LIMIT)]
    assert late == [], f"interactions first answered after {ACK_LIMIT} s, or never: {late}"
