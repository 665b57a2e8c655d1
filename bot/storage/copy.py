"""Copy a SQLite database into an empty PostgreSQL one, table by table (`python -m bot db copy`).

The source is never written. `snapshot` copies it with SQLite's online backup API, which reads
the file (and its WAL) as of one instant even while a bot still writes to it; the snapshot, not
the source, is then opened through the engine seam, which migrates it to this release's schema.
The target is opened through the seam too (migrating it) and must hold no rows at all.

`copy_tables` runs in ONE transaction on the target: it locks every table (so no bot can write
while it copies), checks they are empty, copies every table in foreign-key order with COPY, and
moves each identity sequence past the largest id copied. Any failure rolls all of it back, so
the target is as empty as before and the copy can simply be run again. VACUUM ANALYZE follows,
so the planner knows the tables and index-only scans work before the bot's first query.

Values are converted by the target column's type: the ISO text SQLite keeps for instants and
dates becomes `timestamptz` and `date`, 0/1 becomes a boolean where a column is one; the rest
(text, integers, reals, blobs) is taken as it is.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from datetime import date, datetime
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import asyncpg

from bot.storage.engine import (
    Connection,
    Database,
    Row,
    is_postgres_url,
    open_database,
    redact,
)
from bot.storage.pg import PgConnection, PgDatabase

CONNECT_TIMEOUT_S = 30
BATCH = 20_000  # rows read from the snapshot and sent per COPY
SKIPPED_TABLES = ("schema_version",)  # PostgreSQL's migration record: the target's own

TARGET_COLUMNS = """
SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES' AS identity
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
ORDER BY c.table_name, c.ordinal_position
"""
TARGET_REFERENCES = """
SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
"""


class CopyRefused(Exception):
    """The copy cannot (or did not) happen; the message says why and what to do. Nothing was written."""


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    data_type: str
    identity: bool


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]


def snapshot(source: Path, into: Path) -> None:
    """A consistent copy of the SQLite database at `source`, written to `into` (the source is only read)."""
    if not source.is_file():
        raise CopyRefused(
            f"There is no SQLite database at {source}. Give the bot's database file "
            "(GRILLBOT_DB, default data/grillbot.db) as --from."
        )
    try:
        uri = f"{source.resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as reader, closing(sqlite3.connect(into)) as copy:
            reader.backup(copy)
    except sqlite3.DatabaseError as error:  # "file is not a database", a corrupt page, a locked file
        raise CopyRefused(
            f"{source} cannot be read as a SQLite database ({error}). Give the bot's database file as --from."
        ) from error


def require_postgres_url(url: str) -> None:
    if not is_postgres_url(url):
        raise CopyRefused(
            f"--to must be a PostgreSQL URL (postgresql://user:password@host:5432/dbname), not '{redact(url)}'."
        )


@asynccontextmanager
async def open_target(url: str) -> AsyncIterator[Database]:
    """The PostgreSQL database at `url`, opened (so migrated) through the seam; CopyRefused when it cannot be."""
    require_postgres_url(url)
    db = open_database(url)
    try:
        await asyncio.wait_for(db.open(), CONNECT_TIMEOUT_S)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as error:
        await db.close()  # a pool made before the failure
        raise unusable_target(error, url) from error
    try:
        yield db
    finally:
        await db.close()


def unusable_target(error: Exception, url: str) -> CopyRefused:
    """What to tell a person whose --to could not be opened, the password left out."""
    shown, reason = redact(url), scrubbed(error, url)
    if isinstance(error, OSError):  # refused, unknown host, timed out
        return CopyRefused(
            f"Cannot reach the PostgreSQL server of {shown} ({reason}). Check the host and port, "
            "and that the server is running."
        )
    if isinstance(error, asyncpg.PostgresError):  # wrong password, no such database or role
        return CopyRefused(
            f"PostgreSQL refused {shown} ({reason}). Check the user, password and database name; "
            "create the database first if it does not exist (createdb)."
        )
    return CopyRefused(  # a URL asyncpg cannot parse
        f"'{shown}' is not a PostgreSQL URL grillbot can use ({reason}). "
        "Write it as postgresql://user:password@host:5432/dbname."
    )


def scrubbed(error: BaseException, url: str) -> str:
    """An error's text without the URL's password, should the driver have quoted it."""
    text = str(error) or type(error).__name__
    password = urlsplit(url).password if "@" in url else None
    return text.replace(password, "***") if password else text


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def target_tables(conn: Connection) -> list[Table]:
    """The target's tables in foreign-key order (a referenced table before the tables referring to it)."""
    columns: dict[str, list[Column]] = {}
    for row in await conn.fetch_all(TARGET_COLUMNS):
        if row["table_name"] not in SKIPPED_TABLES:
            columns.setdefault(row["table_name"], []).append(
                Column(row["column_name"], row["data_type"], row["identity"])
            )
    order: TopologicalSorter[str] = TopologicalSorter({name: () for name in columns})
    for row in await conn.fetch_all(TARGET_REFERENCES):
        if row["child"] != row["parent"]:
            order.add(row["child"], row["parent"])
    return [Table(name, tuple(columns[name])) for name in order.static_order()]


async def source_columns(conn: Connection) -> dict[str, list[str]]:
    """Every table of the SQLite snapshot with its column names."""
    tables = await conn.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {
        t["name"]: [c["name"] for c in await conn.fetch_all("SELECT name FROM pragma_table_info(?)", (t["name"],))]
        for t in tables
    }


def schema_differences(source: dict[str, list[str]], target: list[Table]) -> list[str]:
    """What one side has that the other lacks: empty when every table has the same columns on both."""
    wanted = {t.name: sorted(c.name for c in t.columns) for t in target}
    problems = [f"table {name} only in SQLite" for name in sorted(set(source) - set(wanted))]
    problems += [f"table {name} only in PostgreSQL" for name in sorted(set(wanted) - set(source))]
    problems += [
        f"table {name}: columns {sorted(source[name])} in SQLite, {wanted[name]} in PostgreSQL"
        for name in sorted(set(source) & set(wanted))
        if sorted(source[name]) != wanted[name]
    ]
    return problems


def aware_instant(text: str) -> datetime:
    """An instant as SQLite keeps it (ISO text with its UTC offset); text without an offset is refused."""
    found = datetime.fromisoformat(text)
    if found.tzinfo is None:
        raise ValueError("no UTC offset")
    return found


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "timestamp with time zone": aware_instant,
    "date": date.fromisoformat,
    "boolean": bool,
    "double precision": float,  # a REAL column may hold an integer
}


async def check_schemas(source: Database, target: Database) -> list[Table]:
    """The tables to copy, or CopyRefused when the two databases are not at the same schema."""
    versions = await source.version(), await target.version()
    if versions[0] != versions[1]:
        raise CopyRefused(
            f"The SQLite database is at schema version {versions[0]} and {target.describe()} at {versions[1]}. "
            "Copy with the grillbot release that wrote the newer one."
        )
    async with source.read() as src, target.read() as dst:
        tables = await target_tables(dst)
        problems = schema_differences(await source_columns(src), tables)
    if problems:
        raise CopyRefused(f"The two schemas differ ({'; '.join(problems)}); nothing was copied.")
    return tables


async def copy_tables(source: Database, target: Database) -> dict[str, int]:
    """Copy every table in one target transaction; the rows copied per table, in copy order."""
    if not isinstance(target, PgDatabase):
        raise CopyRefused(f"{target.describe()} is not a PostgreSQL database: give a postgresql:// URL as --to.")
    tables = await check_schemas(source, target)
    copied: dict[str, int] = {}
    async with source.read() as src, target.write() as dst:
        try:
            await dst.execute(f"LOCK TABLE {', '.join(quoted(t.name) for t in tables)} IN EXCLUSIVE MODE")
        except asyncpg.LockNotAvailableError as error:
            raise CopyRefused(
                f"{target.describe()} is in use: another session holds its tables. Stop every bot using it, "
                "then run it again."
            ) from error
        filled = [f"{t.name}: {n}" for t in tables if (n := await count(dst, t.name))]
        if filled:
            raise CopyRefused(
                f"{target.describe()} is not empty (rows in {', '.join(filled)}). db copy only fills an empty "
                "database, so nothing is overwritten: create a new database (createdb) or empty this one, "
                "then run it again."
            )
        for table in tables:
            copied[table.name] = await copy_table(src, dst, table)
            for column in table.columns:
                if column.identity:
                    await dst.execute(
                        f"SELECT setval(pg_get_serial_sequence(?, ?), (SELECT max({quoted(column.name)}) "
                        f"FROM {quoted(table.name)}))",
                        (quoted(table.name), column.name),
                    )
    await vacuum(target)
    return copied


async def vacuum(target: PgDatabase) -> None:
    """VACUUM ANALYZE: planner statistics, and the visibility map without which an index-only scan
    (a board's rank count) visits every row's page, before the bot's first query. VACUUM cannot run
    in a transaction, as every seam connection is, hence a connection of its own."""
    conn = await asyncpg.connect(target.url)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()


async def copy_table(src: Connection, dst: PgConnection, table: Table) -> int:
    """Stream one table from the snapshot in rowid order, converted, into the target with COPY.

    The next batch is read from SQLite while the last one is converted and sent."""
    names = [c.name for c in table.columns]
    convert = [(i, CONVERTERS[c.data_type]) for i, c in enumerate(table.columns) if c.data_type in CONVERTERS]
    select = (
        f"SELECT rowid, {', '.join(quoted(n) for n in names)} FROM {quoted(table.name)} "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    total = 0
    rows = await src.fetch_all(select, (-(2**63), BATCH))
    while rows:
        following = asyncio.ensure_future(src.fetch_all(select, (rows[-1][0], BATCH)))
        try:
            records = converted(table, rows, convert)
            await dst.raw.copy_records_to_table(table.name, records=records, columns=names)
        except BaseException:
            following.cancel()
            await asyncio.gather(following, return_exceptions=True)
            raise
        total += len(records)
        rows = await following
    return total


def converted(table: Table, rows: list[Row], convert: list[tuple[int, Callable[[Any], Any]]]) -> list[tuple[Any, ...]]:
    """Snapshot rows (each its rowid first) as the target's values; CopyRefused names a value that cannot be."""
    records = []
    for row in rows:
        values = list(cast(Iterable[Any], row))[1:]  # sqlite3.Row iterates its values
        for i, to_target in convert:
            if values[i] is not None:
                try:
                    values[i] = to_target(values[i])
                except (TypeError, ValueError) as error:
                    raise refused_value(table.columns[i], table, values[i], row[0], error) from error
        records.append(tuple(values))
    return records


def refused_value(column: Column, table: Table, value: object, rowid: int, error: Exception) -> CopyRefused:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return CopyRefused(
        f"{table.name}.{column.name} holds {shown} (row {rowid}), which is not a {column.data_type} "
        f"value ({error}); nothing was copied. Fix that row in the SQLite file, then run it again."
    )


async def count(conn: Connection, table: str) -> int:
    return int(await conn.fetch_value(f"SELECT count(*) FROM {quoted(table)}"))


async def row_counts(db: Database, tables: Sequence[str]) -> dict[str, int]:
    """Rows per table, read in one snapshot."""
    async with db.read() as conn:
        return {table: await count(conn, table) for table in tables}


async def board_spaces(db: Database) -> list[tuple[str, int]]:
    """Every space with settings or board rows, and the most rows any one of its boards can have."""
    async with db.read() as conn:
        rows = await conn.fetch_all(
            "SELECT s.space_id, (SELECT count(*) FROM board b WHERE b.space_id = s.space_id) AS rows "
            "FROM (SELECT space_id FROM spaces UNION SELECT space_id FROM board) s ORDER BY s.space_id"
        )
    return [(r["space_id"], int(r["rows"])) for r in rows]
