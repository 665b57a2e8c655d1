"""The SQLite database (the `bot.storage.engine.Database` the bot uses without GRILLBOT_DATABASE_URL):
one writer connection behind a lock, one reader, migrations at open.

Every connection runs in WAL mode with synchronous=NORMAL (an application crash loses nothing;
only a power loss can drop the last commits), a busy timeout, and foreign keys on. Python's
implicit transactions are off (`isolation_level=None`): every write goes through `write()`,
which begins IMMEDIATE, because a deferred transaction that reads and then writes fails at once
with "database is locked" when another connection committed in between, whatever the timeout.

Hot small writes (votes) go through `write_script` instead (`write_grouped` for a plain function):
each runs on the writer's own thread, and every one queued while the writer was busy shares one
transaction and one thread hop (group commit), each in its own savepoint, each caller resumed after
the COMMIT.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import date, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.engine import SQLITE, Connection, Params, Row, Script, ScriptFactory, instant

log = logging.getLogger(__name__)

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], Any]
BUSY_TIMEOUT_MS = 5000
MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


def migrations(folder: str = "migrations") -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every bundled migration of an engine's folder, in version order."""
    found = []
    for entry in resources.files("bot.storage").joinpath(folder).iterdir():
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


def sqlite_params(params: Params) -> tuple[object, ...]:
    """Instants as fixed-width UTC text and dates as ISO text, the form every SQLite column holds."""
    return tuple(instant(v) if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v for v in params)


class SqliteConnection(Connection):
    dialect = SQLITE

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self.raw = raw

    async def execute(self, sql: str, params: Params = ()) -> int:
        cursor = await self.raw.execute(sql, sqlite_params(params))
        return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.raw.executemany(sql, [sqlite_params(r) for r in rows])

    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(await self.raw.execute_fetchall(sql, sqlite_params(params)))

    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None:
        async with self.raw.execute(sql, sqlite_params(params)) as cursor:
            row: Row | None = await cursor.fetchone()
        return row


class SqliteDatabase:
    """Owns the connections. Use `async with SqliteDatabase(path) as db:` or `open()`/`close()`."""

    dialect = SQLITE

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()
        self._grouped: list[tuple[Job, asyncio.Future[Any]]] = []
        self._drainer: asyncio.Task[None] | None = None

    def describe(self) -> str:
        return self.path

    async def __aenter__(self) -> SqliteDatabase:
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
        async with self._require(self._writer).execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqliteConnection]:
        """One write transaction, begun IMMEDIATE and committed before the block's caller goes on."""
        conn = self._require(self._writer)
        async with self._write_lock:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConnection(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    async def write_script(self, script: ScriptFactory[T]) -> T:
        """A script run as a grouped job on the writer's thread (see `write_grouped`)."""
        return await self.write_grouped(partial(_run_script_sync, script=script(SQLITE)))

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
    async def read(self) -> AsyncIterator[SqliteConnection]:
        """A consistent snapshot for several reads, on the reader connection."""
        conn = self._require(self._reader)
        async with self._read_lock:
            await conn.execute("BEGIN")
            try:
                yield SqliteConnection(conn)
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


def _run_script_sync(conn: sqlite3.Connection, script: Script[T]) -> T:
    """Drive a script with the writer's own sqlite3 connection (on its thread, inside the group)."""
    result: Any = None
    try:
        while True:
            statement = script.send(result)
            cursor = conn.execute(statement.sql, sqlite_params(statement.params))
            result = cursor.rowcount if statement.kind == "execute" else cursor.fetchone()
            cursor.close()
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
