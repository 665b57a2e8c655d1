import asyncio
import functools
import sqlite3

import pytest

from bot.storage.db import SqliteDatabase as Database
from bot.storage.db import migrations, split_statements


async def test_every_connection_gets_wal_normal_busy_timeout_and_foreign_keys(db_path):
    async with Database(db_path) as db:
        for opener in (db.write, db.read):
            async with opener() as conn:
                pragmas = {}
                for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys"):
                    pragmas[name] = await conn.fetch_value(f"PRAGMA {name}")
            assert pragmas == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 5000, "foreign_keys": 1}


async def test_migrations_set_user_version_and_are_idempotent(db_path):
    latest = migrations()[-1][0]
    async with Database(db_path) as db:
        assert await db.version() == latest
        assert await db.migrate() == latest
    with sqlite3.connect(db_path) as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"rounds", "answers", "votes", "board", "spaces", "members"} <= tables


async def test_a_failed_migration_leaves_no_trace(db_path, monkeypatch):
    import bot.storage.db as dbmod

    good = migrations()
    broken = [*good, (len(good) + 1, "9999_broken.sql", "CREATE TABLE half (x);\nSELECT * FROM missing_table;")]
    monkeypatch.setattr(dbmod, "migrations", lambda: broken)
    db = Database(db_path)
    with pytest.raises(sqlite3.OperationalError):
        await db.open()
    await db.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == len(good)
        assert raw.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None


async def test_write_rolls_back_on_error(db_path):
    async with Database(db_path) as db:
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await conn.execute("INSERT INTO skips (space_id, local_date) VALUES ('s', '2026-01-01')")
                raise RuntimeError("boom")
        async with db.read() as conn:
            assert await conn.fetch_value("SELECT COUNT(*) FROM skips") == 0


def test_split_statements_keeps_semicolons_inside_strings_and_skips_comments():
    sql = "-- a comment; with a semicolon\nCREATE TABLE t (x TEXT DEFAULT 'a;b');\n\nINSERT INTO t VALUES ('c');\n-- end\n"
    assert split_statements(sql) == [
        "-- a comment; with a semicolon\nCREATE TABLE t (x TEXT DEFAULT 'a;b');",
        "INSERT INTO t VALUES ('c');",
    ]


def test_split_statements_refuses_a_trailing_fragment():
    with pytest.raises(ValueError, match="incomplete statement"):
        split_statements("CREATE TABLE t (x)")


def test_no_migration_uses_executescript_or_commit():
    for _, name, sql in migrations():
        assert "COMMIT" not in sql.upper(), name
        assert "BEGIN" not in sql.upper(), name


async def test_grouped_writes_share_a_transaction_each_in_its_own_savepoint(db_path):
    async with Database(db_path) as db:
        async with db.write() as conn:
            await conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
        seen_in_transaction = []

        def insert(k, conn):
            seen_in_transaction.append(conn.in_transaction)
            conn.execute("INSERT INTO t VALUES (?)", (k,))
            if k == 3:
                conn.execute("INSERT INTO t VALUES (?)", (k,))  # a duplicate key: this job fails alone
            return k

        results = await asyncio.gather(
            *(db.write_grouped(functools.partial(insert, k)) for k in range(6)), return_exceptions=True
        )
        assert results[:3] == [0, 1, 2] and results[4:] == [4, 5]
        assert isinstance(results[3], sqlite3.IntegrityError)
        assert seen_in_transaction == [True] * 6
        # Committed when the callers resumed: another connection sees every job but the failed one.
        with sqlite3.connect(db_path) as raw:
            assert [k for (k,) in raw.execute("SELECT k FROM t ORDER BY k")] == [0, 1, 2, 4, 5]


async def test_grouped_writes_are_committed_in_few_transactions(db_path):
    async with Database(db_path) as db:
        async with db.write() as conn:
            await conn.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)")
        statements = []

        def insert(k, conn):
            if k == 0:
                conn.set_trace_callback(statements.append)  # every statement from here on, COMMITs included
            conn.execute("INSERT INTO t VALUES (?)", (k,))

        await asyncio.gather(*(db.write_grouped(functools.partial(insert, k)) for k in range(200)))
        await db.write_grouped(lambda conn: conn.set_trace_callback(None))
        inserts = [s for s in statements if s.startswith("INSERT")]
        assert len(inserts) == 200
        assert 1 <= statements.count("COMMIT") <= 2  # 200 writes queued together: one commit, not 200
