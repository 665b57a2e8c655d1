"""The bot's side of the health check: heartbeats written to a real SQLite file, throttled, only when live."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

import bot.heartbeat as heartbeat_module
from bot.core.health import HEARTBEAT_KEY
from bot.discord_ui.heartbeat import GatewayHeartbeat
from bot.storage.db import SqliteDatabase as Database
from bot.storage.health import read_heartbeat
from bot.storage.meta import MetaRepo
from tests.fakes import FakeClock

T = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LIVE = {"ready": True, "socket_open": True, "latency": 0.05}


def client(ready=True, ws_open=True, latency=0.05, ws=True):
    """The three things the heartbeat reads from a discord.Client."""
    return SimpleNamespace(is_ready=lambda: ready, ws=SimpleNamespace(open=ws_open) if ws else None, latency=latency)


@pytest.fixture
async def db(db_path):
    async with Database(db_path) as database:
        yield database


async def test_a_live_session_writes_the_clock_time_and_the_health_check_reads_it(db, db_path):
    clock = FakeClock(T)
    beat = GatewayHeartbeat(MetaRepo(db), clock)
    assert await beat.beat(**LIVE)
    assert read_heartbeat(db_path) == T


async def test_beats_called_every_10_seconds_write_every_30(db, db_path):
    clock = FakeClock(T)
    beat = GatewayHeartbeat(MetaRepo(db), clock)
    written = []
    for _ in range(12):  # two minutes
        if await beat.beat(**LIVE):
            written.append(clock.now())
        clock.advance(seconds=10)
    assert written == [T + timedelta(seconds=s) for s in (0, 30, 60, 90)]
    assert read_heartbeat(db_path) == T + timedelta(seconds=90)


@pytest.mark.parametrize(
    "state",
    [client(ready=False), client(ws_open=False), client(ws=False, latency=float("nan")), client(latency=float("inf"))],
    ids=["not-ready", "socket-closed", "no-websocket", "no-keepalive"],
)
async def test_nothing_is_written_unless_the_gateway_is_live(db, db_path, state):
    beat = GatewayHeartbeat(MetaRepo(db), FakeClock(T))
    assert not await beat.beat_client(state)
    assert read_heartbeat(db_path) is None


async def test_a_heartbeat_left_by_an_earlier_process_is_forgotten_at_start(db, db_path):
    meta = MetaRepo(db)
    earlier = GatewayHeartbeat(meta, FakeClock(T))
    await earlier.beat(**LIVE)
    later = GatewayHeartbeat(meta, FakeClock(T + timedelta(seconds=40)))
    await later.forget()
    assert read_heartbeat(db_path) is None
    assert await later.beat(**LIVE)  # nothing throttles the first beat of the new process
    assert await meta.get(HEARTBEAT_KEY) == "2026-11-30T08:00:40+00:00"


async def test_a_failed_write_is_logged_and_does_not_raise(db_path, caplog):
    database = Database(db_path)
    await database.open()
    beat = GatewayHeartbeat(MetaRepo(database), FakeClock(T))
    await database.close()
    with caplog.at_level(logging.WARNING):
        assert not await beat.beat_client(client())
    assert "could not record the gateway heartbeat" in caplog.text


async def test_the_loop_records_and_stops(db, db_path, monkeypatch):
    monkeypatch.setattr(heartbeat_module, "BEAT_EVERY", timedelta(seconds=0.01))
    clock = FakeClock(T)
    beat = GatewayHeartbeat(MetaRepo(db), clock)
    beat.start(client())
    try:
        for _ in range(200):
            if read_heartbeat(db_path) is not None:
                break
            await asyncio.sleep(0.01)
        assert read_heartbeat(db_path) == T
        clock.advance(seconds=29)
        for _ in range(200):
            if read_heartbeat(db_path) != T:
                break
            await asyncio.sleep(0.01)
        assert read_heartbeat(db_path) == T + timedelta(seconds=29)
    finally:
        await beat.stop()
    assert beat._task is None
