"""Reading the heartbeat for the health check, on real SQLite files (and PostgreSQL): every way the
database fails to answer."""

import asyncio
import socket
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.health import HEARTBEAT_KEY
from bot.storage.db import SqliteDatabase as Database
from bot.storage.engine import instant, open_database
from bot.storage.health import DatabaseUnavailable, read_heartbeat
from bot.storage.meta import MetaRepo
from tests import pg

T = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_reads_back_what_the_bot_wrote_and_none_before(db_path):
    async with Database(db_path) as db:
        assert read_heartbeat(db_path) is None
        await MetaRepo(db).put(HEARTBEAT_KEY, instant(T))
        assert read_heartbeat(db_path) == T  # while the bot holds its connections (WAL)
    assert read_heartbeat(db_path) == T  # and after it closed them


def test_a_missing_file_is_reported_and_not_created(tmp_path):
    path = tmp_path / "nowhere" / "grillbot.db"
    with pytest.raises(DatabaseUnavailable, match="no database file at"):
        read_heartbeat(path)
    assert not path.parent.exists()


def test_a_file_that_is_not_a_database_is_corrupt(tmp_path):
    path = tmp_path / "grillbot.db"
    path.write_bytes(b"not sqlite at all " * 512)
    with pytest.raises(DatabaseUnavailable, match="is corrupt: file is not a database"):
        read_heartbeat(path)


def wreck_pages(path: str) -> None:
    """Keep the 100-byte header, overwrite every page."""
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:100] + b"\xff" * (len(data) - 100))


async def test_a_damaged_database_is_corrupt(db_path):
    async with Database(db_path):
        pass
    wreck_pages(db_path)
    with pytest.raises(DatabaseUnavailable, match="is corrupt: database disk image is malformed"):
        read_heartbeat(db_path)


async def test_a_locked_database_says_so_within_the_timeout(db_path):
    async with Database(db_path):
        pass
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")  # WAL readers are blocked only by an exclusive lock
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        holder.execute("COMMIT")
        with pytest.raises(DatabaseUnavailable, match=r"is locked \(no answer within 0.1 s\)"):
            read_heartbeat(db_path, timeout=0.1)
    finally:
        holder.close()
    assert read_heartbeat(db_path) is None


def test_an_unmigrated_database_has_no_schema(tmp_path):
    path = tmp_path / "grillbot.db"
    sqlite3.connect(path).close()
    path.touch()
    with pytest.raises(DatabaseUnavailable, match="has no schema yet"):
        read_heartbeat(path)


@pytest.mark.parametrize("value", ["yesterday", "2026-11-30T08:00:00"])
async def test_an_unreadable_or_naive_heartbeat_is_refused(db_path, value):
    async with Database(db_path) as db:
        await MetaRepo(db).put(HEARTBEAT_KEY, value)
    with pytest.raises(DatabaseUnavailable, match="heartbeat"):
        read_heartbeat(db_path)


async def test_reads_back_what_the_bot_wrote_on_either_engine(database):
    async with open_database(database) as db:
        assert await asyncio.to_thread(read_heartbeat, database) is None
        await MetaRepo(db).put(HEARTBEAT_KEY, instant(T))
        assert await asyncio.to_thread(read_heartbeat, database) == T


def test_a_postgresql_server_that_does_not_answer_is_reported_without_the_password():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # nothing listens there once closed
    url = f"postgresql://bot:hunter2@127.0.0.1:{port}/grill"
    with pytest.raises(
        DatabaseUnavailable, match="cannot connect to the database at postgresql://bot:\\*\\*\\*@"
    ) as error:
        read_heartbeat(url, timeout=1)
    assert "hunter2" not in str(error.value)


@pytest.mark.pg
@pg.ONLY_PG
async def test_a_postgresql_database_without_the_schema_is_reported():
    name = await pg.fresh_empty_database()
    try:
        with pytest.raises(DatabaseUnavailable, match="has no schema yet"):
            await asyncio.to_thread(read_heartbeat, pg.database_url(name))
    finally:
        await pg.drop_database(name)
