"""`python -m bot db copy`: a group's SQLite data, made through the services, moved to PostgreSQL.

The copy is checked here independently of its own verification: every row of every table is read
back from both engines and compared, the repositories give equal models, and the bot goes on
writing on PostgreSQL afterwards (new ids past the copied ones). Refusals leave the target as it
was. The PostgreSQL cases are skipped when GRILLBOT_TEST_PG is unset; the refusals that need no
server always run.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

import bot.__main__ as cli
import bot.db_copy
from bot.app import Services, open_services
from bot.core.models import Period, StepState
from bot.db_copy import copy_command, verify
from bot.storage.engine import open_database, plain
from bot.storage.pg import PgDatabase
from tests import pg
from tests.conftest import FIXTURE_CONTENT
from tests.fakes import FakeClock, FakePublisher
from tests.services.test_library import pack_yaml

HOME, AWAY = "discord:1", "discord:2"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def pg_only(test):
    """A test that needs a PostgreSQL server (GRILLBOT_TEST_PG)."""
    return pytest.mark.pg(pg.ONLY_PG(test))


def scores(rnd, value: int) -> dict[str, int]:
    return {c.id: value for c in rnd.question.criteria}


async def play(svc: Services, clock: FakeClock) -> None:
    """Two spaces' worth of use: a closed round with answers and votes, an open one, a blind one,
    skips, a hidden member, drills scored and shared, classify guesses and an imported pack."""
    await svc.grill.setup(HOME, "channel:1", "09:00", "UTC", "daily")
    await svc.grill.setup(AWAY, "channel:2", "08:30", "Europe/Paris", "mon-fri")
    await svc.grill.update(AWAY, blind_mode=True)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    first = await svc.grill.post_daily(HOME, scheduled=True)
    answers = {
        who: (await svc.grill.thread_message(first.id, who, who.title(), f"{who}'s answer", f"m-{who}")).answer
        for who in ("ann", "bob", "cat")
    }
    for voter, author, value in [("ann", "bob", 2), ("bob", "ann", 1), ("cat", "ann", 2), ("cat", "bob", 0)]:
        await svc.votes.cast(HOME, answers[author].id, voter, voter.title(), scores(first, value))
    away = await svc.grill.post_daily(AWAY, scheduled=True)
    await svc.grill.thread_message(away.id, "dan", "Dan", "blind answer", "m-dan")
    clock.set(first.closes_at)
    await svc.grill.runner.run_due()  # closes the first round and posts its results
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    second = await svc.grill.post_daily(HOME, scheduled=True)
    ann = (await svc.grill.thread_message(second.id, "ann", "Ann", "day two", "m-ann-2")).answer
    await svc.votes.cast(HOME, ann.id, "bob", "Bob", scores(second, 2))
    await svc.grill.skip(HOME, "2026-12-24")
    await svc.spaces.set_hidden(HOME, "cat", True)
    drill = await svc.drills.answer(HOME, "ann", "sample-coding", "my drill answer")
    criteria = svc.bank.criteria_for(svc.bank.questions["sample-coding"])
    await svc.drills.score(HOME, "ann", drill.id, {c.id: 1 for c in criteria})
    await svc.drills.share(HOME, "ann", "Ann", drill.id)
    await svc.drills.classify(HOME, "bob", "sample-coding", "coding")
    await svc.library.import_pack(HOME, "admin", "ours.yaml", pack_yaml())
    clock.set(NOW)


@pytest.fixture
async def group(tmp_path: Path) -> Path:
    """A SQLite file holding `play`'s data, closed (the bot stopped)."""
    path = tmp_path / "grillbot.db"
    clock = FakeClock(datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    async with open_services(str(path), FIXTURE_CONTENT, clock=clock, publisher=FakePublisher()) as svc:
        await play(svc, clock)
    return path


@pytest.fixture
async def target(pg_databases: pg.Databases) -> AsyncIterator[str]:
    """A fresh, migrated, empty PostgreSQL database: its URL."""
    url = await pg_databases.take()
    yield url
    pg_databases.give_back(url)


class Lines:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    async def copy(self, source: Path, url: str) -> int:
        return await copy_command(source, url, FakeClock(NOW), say=self.out.append, warn=self.err.append)


async def sqlite_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, as SQLite holds it, each table's rows sorted."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        found = {}
        for table in tables:
            columns = sorted(r[1] for r in conn.execute(f"PRAGMA table_info({table})"))
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            found[table] = sorted(rows, key=repr)
    conn.close()
    return found


async def pg_rows(url: str, tables: list[str]) -> dict[str, list[tuple[object, ...]]]:
    """The same tables read from PostgreSQL, instants and dates written back as SQLite's text."""
    conn = await asyncpg.connect(url)
    try:
        found = {}
        for table in tables:
            records = await conn.fetch(f"SELECT * FROM {table}")
            found[table] = sorted(
                (tuple(plain(r[c]) for c in sorted(r.keys())) for r in records),
                key=repr,
            )
        return found
    finally:
        await conn.close()


def unordered(export: bytes) -> dict[str, object]:
    """An export with each list sorted: some of its queries have no ORDER BY, so engines differ in order."""
    document = json.loads(export)
    return {k: sorted(v, key=repr) if isinstance(v, list) else v for k, v in document.items()}


# --- the copy ------------------------------------------------------------------------------------


@pg_only
async def test_every_row_of_a_groups_database_arrives_and_every_board_matches(group: Path, target: str):
    lines = Lines()
    assert await lines.copy(group, target) == 0, lines.err
    before = await sqlite_rows(group)
    after = await pg_rows(target, list(before))
    assert after == before
    assert {t: len(r) for t, r in before.items()} == {t: len(r) for t, r in after.items()}
    assert min(len(before[t]) for t in ("votes", "answers", "steps", "drill_cards", "space_packs", "skips")) >= 1
    assert lines.out[-2].startswith(
        f"Verified: row counts equal in all {len(before)} tables; 84 leaderboards equal (2 spaces x 7 types"
    )
    assert lines.err == []


@pg_only
async def test_the_store_reads_the_same_models_on_both_and_the_bot_goes_on_writing(group: Path, target: str):
    assert await Lines().copy(group, target) == 0
    clock = FakeClock(NOW)
    async with (
        open_services(str(group), FIXTURE_CONTENT, clock=clock, publisher=FakePublisher()) as old,
        open_services(target, FIXTURE_CONTENT, clock=clock, publisher=FakePublisher()) as new,
    ):
        rounds = await old.rounds.in_states("open", "closed")
        assert len(rounds) == 4 and rounds == await new.rounds.in_states("open", "closed")
        for rnd in rounds:
            assert await old.rounds.answers(rnd.id) == await new.rounds.answers(rnd.id)
            old_votes, new_votes = await old.rounds.votes(rnd.id), await new.rounds.votes(rnd.id)
            assert sorted(old_votes, key=repr) == sorted(new_votes, key=repr)  # ORDER BY created_at: ties in any order
        for space in (HOME, AWAY):
            assert await old.spaces.settings(space) == await new.spaces.settings(space)
            assert await old.steps.of_space(space, *StepState) == await new.steps.of_space(space, *StepState)
        assert await old.spaces.skips(HOME) == await new.spaces.skips(HOME)
        assert await old.boards.standing(HOME, "ann") == await new.boards.standing(HOME, "ann")
        assert unordered(await old.privacy.export_space(HOME)) == unordered(await new.privacy.export_space(HOME))
        assert "ours-q1" in new.bank.questions  # the imported pack is loaded from PostgreSQL
        last_round = max(r.id for r in rounds)
        clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
        third = await new.grill.post_daily(HOME, scheduled=True)
        assert third.id > last_round  # the identity sequence was moved past the copied ids
        answer = (await new.grill.thread_message(third.id, "bob", "Bob", "on postgres", "m-bob-3")).answer
        await new.votes.cast(HOME, answer.id, "ann", "Ann", scores(third, 2))
        board = await new.boards.leaderboard(HOME, None, Period.ALL)
        assert {r.member_id for r in board.rows} >= {"ann", "bob"}


@pg_only
async def test_a_new_database_that_was_never_migrated_is_migrated_then_filled(group: Path):
    name = f"t_{uuid.uuid4().hex[:16]}"
    await pg.admin(f"CREATE DATABASE {name}")
    try:
        lines = Lines()
        assert await lines.copy(group, pg.database_url(name)) == 0, lines.err
        async with open_database(str(group)) as sqlite, PgDatabase(pg.database_url(name)) as postgres:
            assert await postgres.version() == await sqlite.version()
    finally:
        await pg.drop_database(name)


@pg_only
async def test_a_copy_that_loses_a_row_is_reported_and_exits_1(group: Path, target: str, monkeypatch):
    real_copy = bot.db_copy.copy_tables

    async def lossy(source, dest):
        copied = await real_copy(source, dest)
        async with dest.write() as conn:
            await conn.execute("DELETE FROM votes WHERE voter_id = 'cat'")
        return copied

    monkeypatch.setattr(bot.db_copy, "copy_tables", lossy)
    lines = Lines()
    assert await lines.copy(group, target) == 1
    assert lines.err[0] == "MISMATCH votes: 5 rows in SQLite, 3 in PostgreSQL"
    assert "Keep the bot on SQLite" in lines.err[1]


@pg_only
async def test_verify_names_each_board_that_differs(group: Path, target: str):
    assert await Lines().copy(group, target) == 0
    async with open_database(str(group)) as source, open_database(target) as dest:
        tables = ["board", "votes"]
        assert (await verify(source, dest, tables, FakeClock(NOW))).mismatches == []
        async with dest.write() as conn:
            await conn.execute("UPDATE board SET points_e4 = points_e4 + 1 WHERE member_id = 'bob' AND qtype = '*'")
        found = await verify(source, dest, tables, FakeClock(NOW))
    assert found.boards == 84 and found.spaces == 2
    assert found.mismatches == [
        f"leaderboard discord:1 overall {period} points differs" for period in ("week", "month", "all")
    ]


# --- refusals: nothing is written ------------------------------------------------------------------


@pg_only
async def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(group: Path, target: str):
    assert await Lines().copy(group, target) == 0
    before = await pg_rows(target, ["rounds", "votes", "meta"])
    again = Lines()
    assert await again.copy(group, target) == 2
    assert "is not empty (rows in board: " in again.err[0] and ", spaces: 2, " in again.err[0]
    assert "db copy only fills an empty database, so nothing is overwritten" in again.err[0]
    assert await pg_rows(target, ["rounds", "votes", "meta"]) == before


@pg_only
async def test_a_value_postgresql_cannot_take_rolls_the_whole_copy_back(group: Path, target: str):
    with sqlite3.connect(group) as conn:
        conn.execute("UPDATE votes SET created_at = 't' WHERE voter_id = 'cat' AND answer_id = 1")
    conn.close()
    lines = Lines()
    assert await lines.copy(group, target) == 2
    assert lines.err[0].startswith("votes.created_at holds 't' (row ")
    assert "which is not a timestamp with time zone value" in lines.err[0]
    counts = await pg_rows(target, ["spaces", "rounds", "answers", "votes"])
    assert counts == {"spaces": [], "rounds": [], "answers": [], "votes": []}  # rounds went in before votes


@pg_only
async def test_a_target_another_session_is_writing_is_refused(group: Path, target: str):
    busy = await asyncpg.connect(target)
    try:
        await busy.execute("BEGIN; INSERT INTO meta (key, value) VALUES ('x', 'y')")
        lines = Lines()
        assert await lines.copy(group, target) == 2
        assert "is in use: another session holds its tables. Stop every bot using it" in lines.err[0]
    finally:
        await busy.close()
    assert await pg_rows(target, ["meta", "spaces"]) == {"meta": [], "spaces": []}


@pg_only
async def test_a_target_at_a_newer_schema_version_is_refused(group: Path, target: str):
    conn = await asyncpg.connect(target)
    try:
        await conn.execute("INSERT INTO schema_version (version, name) VALUES (99, '0099_future.sql')")
    finally:
        await conn.close()
    lines = Lines()
    assert await lines.copy(group, target) == 2
    assert "and postgresql://" in lines.err[0] and " at 99. Copy with the grillbot release" in lines.err[0]


@pg_only
async def test_a_target_whose_tables_differ_from_the_sqlite_schema_is_refused(group: Path, target: str):
    conn = await asyncpg.connect(target)
    try:
        await conn.execute("CREATE TABLE extra (id integer)")
        await conn.execute("ALTER TABLE meta ADD COLUMN note text")
    finally:
        await conn.close()
    lines = Lines()
    assert await lines.copy(group, target) == 2
    assert lines.err == [
        "The two schemas differ (table extra only in PostgreSQL; table meta: columns ['key', 'value'] in SQLite, "
        "['key', 'note', 'value'] in PostgreSQL); nothing was copied."
    ]


@pg_only
async def test_a_database_that_does_not_exist_is_refused_with_how_to_create_it(group: Path):
    lines = Lines()
    assert await lines.copy(group, pg.database_url("no_such_database")) == 2
    assert lines.err[0].startswith("PostgreSQL refused postgresql://")
    assert "no_such_database" in lines.err[0] and "create the database first" in lines.err[0]


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_an_unreachable_server_is_refused_without_printing_the_password(group: Path):
    lines = Lines()
    url = f"postgresql://grillbot:s3cret-pw@127.0.0.1:{closed_port()}/grillbot"
    assert await lines.copy(group, url) == 2
    assert lines.err[0].startswith("Cannot reach the PostgreSQL server of postgresql://grillbot:***@127.0.0.1:")
    assert "Check the host and port, and that the server is running." in lines.err[0]
    assert "s3cret-pw" not in " ".join(lines.err + lines.out)


async def test_a_url_the_driver_cannot_read_is_refused_without_its_password(group: Path):
    lines = Lines()
    assert await lines.copy(group, "postgresql://grillbot:s3cret-pw@127.0.0.1:fivefourthreetwo/grillbot") == 2
    assert lines.err == [
        "'postgresql://grillbot:***@127.0.0.1:fivefourthreetwo/grillbot' is not a PostgreSQL URL grillbot can use "
        "(invalid literal for int() with base 10: 'fivefourthreetwo'). "
        "Write it as postgresql://user:password@host:5432/dbname."
    ]


async def test_a_target_that_is_not_a_postgresql_url_is_refused(group: Path, tmp_path: Path):
    lines = Lines()
    assert await lines.copy(group, str(tmp_path / "other.db")) == 2
    assert lines.err == [
        f"--to must be a PostgreSQL URL (postgresql://user:password@host:5432/dbname), not '{tmp_path / 'other.db'}'."
    ]
    assert not (tmp_path / "other.db").exists()


async def test_a_source_that_is_not_a_sqlite_database_is_refused(tmp_path: Path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database, just some notes\n" * 100)
    lines = Lines()
    assert await lines.copy(junk, f"postgresql://grillbot@127.0.0.1:{closed_port()}/x") == 2
    assert lines.err[0].startswith(f"{junk} cannot be read as a SQLite database (file is not a database)")
    assert junk.read_text().startswith("not a database")


def test_db_copy_is_wired_into_the_cli_and_refuses_a_missing_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    missing = tmp_path / "data" / "grillbot.db"
    assert cli.main(["db", "copy", "--from", str(missing), "--to", "postgresql://u:pw@127.0.0.1:1/db"]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        f"There is no SQLite database at {missing}. Give the bot's database file "
        "(GRILLBOT_DB, default data/grillbot.db) as --from."
    )
    assert not missing.exists()


@pg_only
def test_db_copy_through_the_cli_prints_the_report(group: Path, tmp_path, monkeypatch, capsys):
    name = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(pg.admin(f"CREATE DATABASE {name}"))
    try:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
        assert cli.main(["db", "copy", "--from", str(group), "--to", pg.database_url(name)]) == 0
        out = capsys.readouterr().out
        assert f"Copying a snapshot of {group} (schema version" in out
        assert "Verified: row counts equal" in out and "Next: set GRILLBOT_DATABASE_URL" in out
    finally:
        asyncio.run(pg.drop_database(name))
