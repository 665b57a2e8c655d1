"""A sharded process: discord.py's AutoShardedBot on its shards, its share of the REST budget, commands
synced by shard 0 only, IDENTIFY through the cluster lock, a heartbeat row of its own."""

from types import SimpleNamespace

import discord
import pytest

from bot.core.health import heartbeat_key
from bot.core.ownership import Shards
from bot.discord_ui import client as client_module
from bot.discord_ui.client import IDENTIFY_LOCK, GrillBot, ShardedGrillBot, make_bot
from bot.discord_ui.heartbeat import GatewayHeartbeat, sockets_open
from bot.settings import Settings
from bot.storage.engine import open_database
from bot.storage.health import read_heartbeat
from bot.storage.meta import MetaRepo
from tests.core.test_ownership import guild_on
from tests.discord.test_heartbeat import LIVE, T
from tests.fakes import FakeClock


class RecordingLocks:
    def __init__(self) -> None:
        self.holds: list[tuple[str, float]] = []

    async def hold_for(self, name: str, seconds: float) -> None:
        self.holds.append((name, seconds))

    async def try_lead(self, name: str) -> bool:
        return True

    async def close(self) -> None:
        pass


async def test_shards_make_an_auto_sharded_bot_that_owns_its_servers_only():
    bot = make_bot(Settings(token="x", shards=Shards((1,), 2), rest_budget=22.5))
    assert isinstance(bot, ShardedGrillBot) and isinstance(bot, discord.AutoShardedClient)
    assert (bot.shard_ids, bot.shard_count, bot.limiter.rate) == ([1], 2, 22.5)
    assert bot.ownership.owns(guild_on(1, 2)) and not bot.ownership.owns(guild_on(0, 2))
    assert not sockets_open(bot)  # no shard connected yet


async def test_unsharded_is_the_plain_bot_that_owns_every_server():
    bot = make_bot(Settings(token="x"))
    assert type(bot) is GrillBot and not isinstance(bot, discord.AutoShardedClient)
    assert bot.limiter.rate == 45.0 and all(bot.ownership.owns(guild_on(s, 7)) for s in range(7))


async def test_only_the_process_with_shard_0_syncs_commands(monkeypatch):
    bot = make_bot(Settings(token="x", shards=Shards((1,), 2)))

    async def never(**_: object) -> list[object]:
        raise AssertionError("a process without shard 0 synced commands")

    monkeypatch.setattr(bot.tree, "sync", never)
    await bot.sync_commands()  # returns before touching the tree or the database


async def test_identify_takes_the_cluster_lock_instead_of_sleeping(monkeypatch):
    bot = make_bot(Settings(token="x", shards=Shards((0, 1), 2)))
    locks = RecordingLocks()
    bot.services = SimpleNamespace(locks=locks)  # type: ignore[assignment]

    async def no_sleep(_: float) -> None:
        raise AssertionError("slept instead of taking the lock")

    monkeypatch.setattr(client_module.asyncio, "sleep", no_sleep)
    await bot.before_identify_hook(0, initial=True)
    await bot.before_identify_hook(1)
    assert locks.holds == [(IDENTIFY_LOCK, 5.0), (IDENTIFY_LOCK, 5.0)]


async def test_without_cluster_locks_discord_py_staggers_as_before(monkeypatch):
    bot = make_bot(Settings(token="x"))
    bot.services = SimpleNamespace(locks=None)  # type: ignore[assignment]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(discord.client.asyncio, "sleep", sleep)
    await bot.before_identify_hook(None, initial=True)
    await bot.before_identify_hook(None)
    assert slept == [5.0]


@pytest.mark.parametrize("shards", [None, Shards((0,), 2)])
async def test_each_process_writes_its_own_heartbeat_row(shards, db_path):
    async with open_database(db_path) as db:
        assert await GatewayHeartbeat(MetaRepo(db), FakeClock(T), heartbeat_key(shards)).beat(**LIVE)
    assert read_heartbeat(db_path, key=heartbeat_key(shards)) == T
    other = heartbeat_key(Shards((1,), 2))
    assert read_heartbeat(db_path, key=other) is None
