"""The PostgreSQL database (GRILLBOT_DATABASE_URL=postgresql://…): an asyncpg pool behind `engine.Database`.

Several processes may share it. A write is a READ COMMITTED transaction on a pool connection; the
repositories lock the rows a read-modify-write depends on (`POSTGRES` dialect) and claim work by
conditional UPDATE. A read is a REPEATABLE READ, read-only transaction, one snapshot like SQLite's.
Migrations come from `migrations_pg/`, the same numbers and names as SQLite's, each in its own
transaction under one advisory lock, so two processes starting together apply each once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from bot.storage.db import migrations
from bot.storage.engine import POSTGRES, Connection, Params, Row, ScriptFactory, redact, run_script, utc_seconds

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # generic only in asyncpg-stubs
    from asyncpg.pool import PoolConnectionProxy

T = TypeVar("T")
MIGRATION_LOCK = 0x6772696C6C  # "grill": pg_advisory_xact_lock key held while a migration runs
POOL_MAX = 10
LOCK_TIMEOUT = "5s"  # like SQLite's busy timeout: a row lock not granted by then fails the statement


@lru_cache(maxsize=1024)
def numbered(sql: str) -> str:
    """`?` placeholders as `$1, $2, …`, outside string literals and quoted names."""
    out, n, quote = [], 0, ""
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(char)
    return "".join(out)


def pg_params(params: Params) -> list[object]:
    """Instants as aware UTC to the second, as SQLite keeps them (naive values are refused)."""
    return [utc_seconds(v) if isinstance(v, datetime) else v for v in params]


def rowcount(status: str) -> int:
    """Rows changed, from a command status such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PgConnection(Connection):
    dialect = POSTGRES

    def __init__(self, raw: PoolConnectionProxy[Any]) -> None:
        self.raw = raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        return rowcount(await self.raw.execute(numbered(sql), *pg_params(params)))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.raw.executemany(numbered(sql), [pg_params(r) for r in rows])

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.raw.fetch(numbered(sql), *pg_params(params)))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = await self.raw.fetchrow(numbered(sql), *pg_params(params))
        return row


class PgDatabase:
    """Owns the pool. Use `async with PgDatabase(url) as db:` or `open()`/`close()`."""

    dialect = POSTGRES

    def __init__(self, url: str, *, pool_max: int = POOL_MAX) -> None:
        self.url = url
        self.pool_max = pool_max
        self._pool: asyncpg.Pool[Any] | None = None

    def describe(self) -> str:
        return redact(self.url)

    async def __aenter__(self) -> PgDatabase:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.url,
            min_size=1,
            max_size=self.pool_max,
            server_settings={"application_name": "grillbot", "lock_timeout": LOCK_TIMEOUT, "TimeZone": "UTC"},
        )
        await self.migrate()

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def _require(self) -> asyncpg.Pool[Any]:
        if self._pool is None:
            raise RuntimeError("the database is not open")
        return self._pool

    async def migrate(self) -> int:
        """Apply pending migrations, each in one transaction under the migration advisory lock."""
        async with self._require().acquire() as conn:
            for version, name, sql in migrations("migrations_pg"):
                async with conn.transaction():
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    await conn.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                        "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                    )
                    if version <= await self._version(conn):
                        continue
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_version (version, name) VALUES ($1, $2)", version, name)
                    log.info("applied migration %s to %s", name, self.describe())
            return await self._version(conn)

    @staticmethod
    async def _version(conn: PoolConnectionProxy[Any]) -> int:
        found = await conn.fetchval("SELECT COALESCE(max(version), 0) FROM schema_version")
        return int(found)

    async def version(self) -> int:
        async with self._require().acquire() as conn:
            return await self._version(conn)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[PgConnection]:
        """One READ COMMITTED write transaction on a pool connection, committed when the block ends."""
        async with self._require().acquire() as conn, conn.transaction():
            yield PgConnection(conn)

    async def write_script(self, script: ScriptFactory[T]) -> T:
        async with self.write() as conn:
            return await run_script(conn, script(POSTGRES))

    @asynccontextmanager
    async def read(self) -> AsyncIterator[PgConnection]:
        """A consistent snapshot for several reads."""
        async with self._require().acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield PgConnection(conn)
