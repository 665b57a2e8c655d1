"""The seam between the repositories and a database engine (SQLite or PostgreSQL).

Every repository is written once against `Database` and `Connection`; SQL is written once with `?`
placeholders in the dialect both engines accept (`ON CONFLICT … DO NOTHING`, `RETURNING`, `IS
DISTINCT FROM`). What still differs sits behind small named seams:

- parameters: repositories pass aware `datetime` and `date` values; the SQLite connection stores
  them as ISO text (`instant`), the PostgreSQL one as `timestamptz`/`date`. Values read back go
  through `parse_instant` / `parse_date` (and `plain` for exports), which accept either form, so
  both engines give the same model types;
- `Dialect`: row-lock clauses a read-modify-write needs on PostgreSQL (`FOR SHARE`, `FOR UPDATE`,
  `SKIP LOCKED`), empty on SQLite, where every write transaction is `BEGIN IMMEDIATE` already;
- `Script`: a write written once as a generator of statements, run on SQLite's writer thread in
  its group commit (`bot.storage.db`) or as one transaction on a pool connection (`bot.storage.pg`).

Get a database for a configured place with `open_database(target)`: a `postgresql://` URL gives
`bot.storage.pg.PgDatabase`, anything else is a SQLite file path (`bot.storage.db.SqliteDatabase`).
Use it as `async with open_database(url) as db:`; opening migrates it.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol, TypeVar

T = TypeVar("T")
Params = Sequence[object]
PG_SCHEMES = ("postgresql://", "postgres://")


class Row(Protocol):
    """A result row: by column name or position (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> Iterable[str]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """SQL fragments that differ between engines; each is appended to a SELECT that needs it."""

    name: str
    for_share: str  # the rows read must not change or go before this transaction ends
    for_update: str  # this transaction will change the rows read: others wait
    skip_locked: str  # claim rows no other transaction is claiming right now


SQLITE = Dialect("sqlite", "", "", "")  # BEGIN IMMEDIATE: one writer at a time, nothing to lock
POSTGRES = Dialect("postgresql", " FOR SHARE", " FOR UPDATE", " FOR UPDATE SKIP LOCKED")


class Connection(ABC):
    """One connection inside a transaction, with the same async API on both engines."""

    dialect: Dialect

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abstractmethod
    async def fetch_all(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def fetch_one(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetch_value(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row; None when there is no row."""
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]

    async def insert_returning_id(self, sql: str, params: Params = ()) -> int | None:
        """Run an INSERT and return the new row's id; None when `ON CONFLICT DO NOTHING` kept it out."""
        found = await self.fetch_value(f"{sql} RETURNING id", params)
        return None if found is None else int(found)


# --- scripts: a write written once, run by either engine ------------------------------------

Kind = Literal["execute", "one"]


@dataclass(frozen=True, slots=True)
class Statement:
    kind: Kind
    sql: str
    params: Params = ()


Script = Generator[Statement, Any, T]
ScriptFactory = Callable[[Dialect], Script[T]]


def execute(sql: str, params: Params = ()) -> Statement:
    """A statement whose result is the number of rows it changed."""
    return Statement("execute", sql, params)


def one(sql: str, params: Params = ()) -> Statement:
    """A statement whose result is its first row, or None."""
    return Statement("one", sql, params)


async def run_script(conn: Connection, script: Script[T]) -> T:
    """Drive a script on an async connection (inside the caller's transaction)."""
    result: Any = None
    try:
        while True:
            statement = script.send(result)
            if statement.kind == "execute":
                result = await conn.execute(statement.sql, statement.params)
            else:
                result = await conn.fetch_one(statement.sql, statement.params)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


# --- values ------------------------------------------------------------------------------------


def utc_seconds(value: datetime) -> datetime:
    """The instant every engine stores: aware, in UTC, to the second (naive values are refused)."""
    if value.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


def instant(value: datetime) -> str:
    """A timezone-aware instant as fixed-width UTC text, so text order is time order (SQLite, meta)."""
    return utc_seconds(value).isoformat()


def parse_instant(value: str | datetime) -> datetime:
    """An instant as read back: ISO text from SQLite, an aware datetime from PostgreSQL."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def parse_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def plain(value: object) -> object:
    """A value as exported (JSON): instants and dates as the text SQLite stores them as."""
    if isinstance(value, datetime):
        return instant(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- databases -----------------------------------------------------------------------------------


class Database(Protocol):
    """An open store: `async with db.write() as conn:` for a write transaction, `read()` for a snapshot."""

    dialect: Dialect

    async def __aenter__(self) -> Database: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def open(self) -> None: ...
    async def close(self) -> None: ...
    async def migrate(self) -> int: ...
    async def version(self) -> int: ...
    def write(self) -> AbstractAsyncContextManager[Connection]: ...
    def read(self) -> AbstractAsyncContextManager[Connection]: ...

    async def write_script(self, script: ScriptFactory[T]) -> T:
        """Run a short write as one transaction; SQLite groups concurrent ones into one commit."""
        ...

    def describe(self) -> str:
        """Where the data lives, safe to log (a URL without its password)."""
        ...


def is_postgres_url(target: str) -> bool:
    return target.startswith(PG_SCHEMES)


def redact(url: str) -> str:
    """A database URL without its password, for logs and messages."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def open_database(target: str) -> Database:
    """The database at `target` (a `postgresql://` URL, else a SQLite path), not yet opened."""
    if is_postgres_url(target):
        from bot.storage.pg import PgDatabase

        return PgDatabase(target)
    from bot.storage.db import SqliteDatabase

    return SqliteDatabase(target)
