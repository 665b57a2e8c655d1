"""The store seam on both engines: migrations, transactions, placeholders, values."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.storage.db import migrations
from bot.storage.engine import open_database, parse_instant, redact
from bot.storage.pg import PgDatabase, numbered, rowcount
from tests import pg


def test_both_engines_have_the_same_migrations():
    sqlite = [name for _, name, _ in migrations("migrations")]
    postgres = [name for _, name, _ in migrations("migrations_pg")]
    assert sqlite == postgres
    assert len(sqlite) >= 7


def test_placeholders_are_numbered_outside_literals_and_quoted_names():
    sql = "SELECT '?', \"a?\" FROM t WHERE x = ? AND y = 'it''s ?' AND z IN (?, ?)"
    assert numbered(sql) == "SELECT '?', \"a?\" FROM t WHERE x = $1 AND y = 'it''s ?' AND z IN ($2, $3)"


def test_row_counts_come_from_the_command_status():
    assert [rowcount(s) for s in ("INSERT 0 1", "UPDATE 3", "DELETE 0", "SELECT 2", "BEGIN")] == [1, 3, 0, 2, 0]


def test_a_url_password_never_shows():
    assert redact("postgresql://bot:s3cr:et@db.example:5432/grill") == "postgresql://bot:***@db.example:5432/grill"
    assert redact("postgresql://bot@db/grill") == "postgresql://bot@db/grill"
    assert "s3cret" not in PgDatabase("postgresql://bot:s3cret@db/grill").describe()


async def test_a_write_rolls_back_on_error_and_commits_otherwise(database):
    async with open_database(database) as db:
        with pytest.raises(RuntimeError):
            async with db.write() as conn:
                await conn.execute("INSERT INTO skips (space_id, local_date) VALUES (?, ?)", ("s", date(2026, 1, 1)))
                raise RuntimeError("boom")
        async with db.write() as conn:
            await conn.execute("INSERT INTO skips (space_id, local_date) VALUES (?, ?)", ("s", date(2026, 1, 2)))
        async with db.read() as conn:
            assert await conn.fetch_value("SELECT COUNT(*) FROM skips") == 1


async def test_instants_come_back_aware_utc_to_the_second_and_naive_ones_are_refused(database):
    async with open_database(database) as db:
        at = datetime(2026, 3, 29, 1, 30, 15, 999, tzinfo=timezone(timedelta(hours=2)))
        async with db.write() as conn:
            await conn.execute(
                "INSERT INTO drill_answers (space_id, member_id, question_id, answer, created_at) "
                "VALUES ('s', 'm', 'q', 'a', ?)",
                (at,),
            )
            with pytest.raises(ValueError, match="timezone-aware"):
                await conn.execute("UPDATE drill_answers SET shared_at = ?", (datetime(2026, 1, 1),))  # noqa: DTZ001
        async with db.read() as conn:
            stored = parse_instant(await conn.fetch_value("SELECT created_at FROM drill_answers"))
        assert stored == datetime(2026, 3, 28, 23, 30, 15, tzinfo=UTC) and stored.utcoffset() == timedelta(0)


async def test_insert_returning_id_and_rows_changed(database):
    async with open_database(database) as db:
        async with db.write() as conn:
            insert = (
                "INSERT INTO drill_answers (space_id, member_id, question_id, answer, created_at) "
                "VALUES ('s', 'm', 'q', 'a', ?)"
            )
            at = datetime(2026, 1, 1, tzinfo=UTC)
            first, second = await conn.insert_returning_id(insert, (at,)), await conn.insert_returning_id(insert, (at,))
            skip = "INSERT INTO skips (space_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING"
            inserted = [await conn.execute(skip, ("s", date(2026, 1, 1))) for _ in range(2)]
        assert isinstance(first, int) and second == first + 1
        assert inserted == [1, 0]


@pytest.mark.pg
@pg.ONLY_PG
async def test_two_processes_migrating_at_once_apply_each_migration_once():
    name = await pg.fresh_empty_database()
    url = pg.database_url(name)
    try:
        first, second = PgDatabase(url), PgDatabase(url)
        await asyncio.gather(first.open(), second.open())
        latest = len(migrations("migrations_pg"))
        assert await first.version() == await second.version() == latest
        async with first.read() as conn:
            applied = await conn.fetch_all("SELECT version, name FROM schema_version ORDER BY version")
        assert [(r[0], r[1]) for r in applied] == [(v, n) for v, n, _ in migrations("migrations_pg")]
        await asyncio.gather(first.close(), second.close())
    finally:
        await pg.drop_database(name)
