"""The SQLite database: one writer connection behind a lock, one reader, migrations at open.

Every connection runs in WAL mode with synchronous=NORMAL (an application crash loses nothing;
only a power loss can drop the last commits), a busy timeout, and foreign keys on. Python's
implicit transactions are off (`isolation_level=None`): every write goes through `write()`,
which begins IMMEDIATE, because a deferred transaction that reads and then writes fails at once
with "database is locked" when another connection committed in between, whatever the timeout.

Hot small writes (votes) go through `write_grouped` instead: each is a plain function run on the
writer's own thread, and every one queued while the writer was busy shares one transaction and
one thread hop (group commit), each in its own savepoint, each caller resumed after the COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]
BUSY_TIMEOUT_MS = 5000
MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration, in version order."""
    found = []
    for entry in resources.files("bot.storage").joinpath("migrations").iterdir():
        match = MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append((int(match[1]), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions must run 1..N without gaps, found {versions}")
    return found


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements, so each runs inside our transaction (no executescript)."""
    statements, current = [], ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in current.splitlines()):
        raise ValueError(f"migration ends with an incomplete statement: {current.strip()[:80]}")
    return statements


class Database:
    """Owns the connections. Use `async with Database(path) as db:` or `open()`/`close()`."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self._grouped: list[tuple[Job, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self.migrate()
        self._reader = await self._connect()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.row_factory = aiosqlite.Row
        for pragma in (
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys=ON",
        ):
            await conn.execute(pragma)
        return conn

    async def close(self) -> None:
        if self._drainer is not None:
            await self._drainer  # every queued write is committed (or refused) before the writer goes
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def migrate(self) -> int:
        """Apply pending migrations, each with its `user_version` in one IMMEDIATE transaction."""
        conn = self._require(self._writer)
        async with self._write_lock:
            for version, name, sql in migrations():
                await conn.execute("BEGIN IMMEDIATE")
                try:
                    if version <= await self.version():
                        await conn.execute("ROLLBACK")
                        continue
                    for statement in split_statements(sql):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version={version}")
                    await conn.execute("COMMIT")
                    log.info("applied migration %s", name)
                except BaseException:
                    await conn.execute("ROLLBACK")
                    raise
            return await self.version()

    async def version(self) -> int:
        return int(await scalar(self._require(self._writer), "PRAGMA user_version"))

    @asynccontextmanager
    async def write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction, begun IMMEDIATE and committed before the block's caller goes on."""
        conn = self._require(self._writer)
        async with self._write_lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def write_grouped(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run `job` in a write transaction on the writer's thread; return once it is committed.

        Jobs queued together share one IMMEDIATE transaction and one thread hop. Each runs in its
        own savepoint, so one that raises is undone alone and its caller gets the exception. A job
        must be short and must not await: it holds the writer for everyone queued with it.
        """
        self._require(self._writer)
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._grouped.append((job, done))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        conn = self._require(self._writer)
        while self._grouped:
            async with self._write_lock:  # fair: other writers waiting go between two groups
                group, self._grouped = self._grouped, []
                try:
                    outcomes = await conn._execute(_run_group, conn._conn, [job for job, _ in group])
                except BaseException as error:  # the COMMIT failed: nothing of the group stands
                    outcomes = [(False, error)] * len(group)
            for (_, done), (ok, value) in zip(group, outcomes, strict=True):
                if done.done():  # the caller gave up waiting; the vote stands or fell all the same
                    continue
                if ok:
                    done.set_result(value)
                else:
                    done.set_exception(value)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A consistent snapshot for several reads, on the reader connection."""
        conn = self._require(self._reader)
        async with self._read_lock:
            await conn.execute("BEGIN")
            try:
                yield conn
            finally:
                await conn.execute("COMMIT")

    @staticmethod
    def _require(conn: aiosqlite.Connection | None) -> aiosqlite.Connection:
        if conn is None:
            raise RuntimeError("the database is not open")
        return conn


def _run_group(conn: sqlite3.Connection, jobs: list[Job]) -> list[tuple[bool, Any]]:
    """On the writer's thread: every job in one transaction, each in a savepoint; (ok, result or error)."""
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for job in jobs:
            conn.execute("SAVEPOINT job")
            try:
                outcomes.append((True, job(conn)))
            except Exception as error:
                conn.execute("ROLLBACK TO job")
                outcomes.append((False, error))
            conn.execute("RELEASE job")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return outcomes


def instant(value: datetime) -> str:
    """A timezone-aware instant as fixed-width UTC text, so text order is time order."""
    if value.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="seconds")


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def scalar(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()) -> Any:
    """The first column of the first row of a query that always returns one (a count, a pragma)."""
    row = await (await conn.execute(sql, params)).fetchone()
    if row is None:
        raise LookupError(f"no row for: {sql}")
    return row[0]
