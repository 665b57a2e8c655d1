"""PostgreSQL for the store and service tests: one migrated template per run, a fresh copy per test.

`GRILLBOT_TEST_PG` names a server (a maintenance database URL, as `scripts/pg-throwaway` exports);
unset, every PostgreSQL case is skipped and the suite is SQLite only.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.storage.pg import PgDatabase

SERVER = os.environ.get("GRILLBOT_TEST_PG", "").strip()
PG = pytest.param(
    "pg", marks=[pytest.mark.pg, pytest.mark.skipif(not SERVER, reason="GRILLBOT_TEST_PG is not set")], id="pg"
)
ENGINES = ["sqlite", PG]
ONLY_PG = pytest.mark.skipif(not SERVER, reason="GRILLBOT_TEST_PG is not set")


def database_url(name: str) -> str:
    return urlsplit(SERVER)._replace(path=f"/{name}").geturl()


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(SERVER)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_template(name: str) -> None:
    await admin(f"DROP DATABASE IF EXISTS {name}")
    await admin(f"CREATE DATABASE {name}")
    async with PgDatabase(database_url(name)):  # opening migrates it
        pass


async def fresh_empty_database() -> str:
    """A new database without the schema; its name."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    await admin(f"CREATE DATABASE {name}")
    return name


async def fresh_database(template: str) -> str:
    """A new database copied from the migrated template; its name."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    await admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
    return name


async def drop_database(name: str) -> None:
    await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@asynccontextmanager
async def scratch_database(prefix: str) -> AsyncIterator[str]:
    """The URL of a new, empty database for bot processes to share (the first one migrates it),
    dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await admin(f"CREATE DATABASE {name}")
    try:
        yield database_url(name)
    finally:
        await drop_database(name)


class Databases:
    """Fresh databases for one run, made ahead while earlier tests run, each dropped after its test.

    A copy costs 0.05 s on an idle machine and up to 1 s on a busy one, so a few are made ahead by
    worker threads (each call on an event loop of its own, off the test's loop): the suite waits
    for them only when it runs faster than they are made."""

    AHEAD = 3

    def __init__(self) -> None:
        self.workers = ThreadPoolExecutor(self.AHEAD, thread_name_prefix="pg-databases")
        self.template = f"grillbot_template_{uuid.uuid4().hex[:8]}"
        self.workers.submit(asyncio.run, create_template(self.template)).result()
        self.spares = deque(self._make() for _ in range(self.AHEAD))

    def _make(self) -> Future[str]:
        return self.workers.submit(asyncio.run, fresh_database(self.template))

    async def take(self) -> str:
        """A fresh database's URL."""
        name = await asyncio.wrap_future(self.spares.popleft())
        self.spares.append(self._make())
        return database_url(name)

    def give_back(self, url: str) -> None:
        self.workers.submit(asyncio.run, drop_database(urlsplit(url).path.lstrip("/")))

    def close(self) -> None:
        for spare in self.spares:
            self.workers.submit(asyncio.run, drop_database(spare.result()))
        self.workers.shutdown()  # every drop done before the template's
        asyncio.run(drop_database(self.template))
