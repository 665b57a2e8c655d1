"""Cluster locks on PostgreSQL: two sessions, as two processes would hold them (needs GRILLBOT_TEST_PG)."""

import asyncio
import time

import asyncpg
import pytest

from bot.storage.locks import PgLocks, lock_key
from tests import pg

URL = pg.SERVER
pytestmark = [pytest.mark.pg, pg.ONLY_PG]


async def eventually(attempt, tries: int = 50) -> bool:
    for _ in range(tries):
        if await attempt():
            return True
        await asyncio.sleep(0.05)
    return False


@pytest.fixture
async def two():
    first, second = PgLocks(URL), PgLocks(URL)
    yield first, second
    await first.close()
    await second.close()


async def test_one_session_leads_and_the_other_takes_over_when_it_ends(two):
    first, second = two
    assert await first.try_lead("steps:slack:")
    assert not await second.try_lead("steps:slack:")
    assert await first.try_lead("steps:slack:")  # kept, not stacked
    assert await second.try_lead("steps:other:")  # another lock is free
    await first.close()  # the leader's session ends (a dead process)
    assert await second.try_lead("steps:slack:")
    assert not await first.try_lead("steps:slack:")


async def test_a_leader_whose_connection_broke_stops_leading(two):
    first, second = two
    assert await first.try_lead("steps:slack:")
    key = lock_key("steps:slack:") & 0xFFFFFFFFFFFFFFFF
    admin = await asyncpg.connect(URL)
    try:
        pid = await admin.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 1",
            key >> 32,
            key & 0xFFFFFFFF,
        )
        assert pid is not None
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    assert await eventually(lambda: second.try_lead("steps:slack:"))  # the backend takes a moment to go
    assert not await first.try_lead("steps:slack:")  # it notices the dead session and tries again: taken


async def test_identify_holds_are_spaced_across_sessions(two):
    first, second = two
    started = time.monotonic()
    await first.hold_for("discord:identify", 0.6)
    await second.hold_for("discord:identify", 0.6)  # waits for the first hold to end
    await first.hold_for("discord:identify", 0.6)  # and this for the second's
    assert time.monotonic() - started >= 1.1
