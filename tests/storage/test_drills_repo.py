"""The drill tables: migration from 0001 on a SQLite file; round trips and the lost-update guard on both engines."""

import sqlite3
from datetime import UTC, datetime, timedelta

from bot.core.models import DrillAttempt, DrillCard
from bot.storage import db as dbmod
from bot.storage.db import SqliteDatabase as Database
from bot.storage.drills import DrillRepo
from bot.storage.engine import open_database

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SPACE, MEMBER = "terminal", "ann"


def attempt(question_id: str = "q1", ratio: float = 0.5, at: datetime = NOW) -> DrillAttempt:
    return DrillAttempt(SPACE, MEMBER, question_id, "systems", "my answer", {"a": 1, "b": 1}, ratio, at)


def card(question_id: str = "q1", reviews: int = 1, due: datetime = NOW + timedelta(days=1)) -> DrillCard:
    return DrillCard(question_id, '{"card_id": 1}', due, NOW, reviews)


async def test_migrating_a_0001_database_adds_the_drill_tables_and_keeps_its_data(db_path, monkeypatch):
    first = dbmod.migrations()[:1]
    monkeypatch.setattr(dbmod, "migrations", lambda: first)
    async with Database(db_path) as db:
        async with db.write() as conn:
            await conn.execute("INSERT INTO skips (space_id, local_date) VALUES ('s', '2026-12-25')")
        assert await db.version() == 1
    monkeypatch.undo()
    async with Database(db_path) as db:
        assert await db.version() == dbmod.migrations()[-1][0]
    with sqlite3.connect(db_path) as raw:
        names = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
        assert raw.execute("SELECT COUNT(*) FROM skips").fetchone()[0] == 1
    assert {"drill_attempts", "drill_cards", "classify_attempts", "drill_cards_due"} <= names


async def test_a_review_stores_the_attempt_and_the_card_together(database):
    async with open_database(database) as db:
        repo = DrillRepo(db)
        assert await repo.save_review(attempt(), card())
        (stored,) = await repo.cards(SPACE, MEMBER)
        assert stored == card()
        assert await repo.card(SPACE, MEMBER, "q1") == card()
        assert await repo.card(SPACE, "bob", "q1") is None
        async with db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM drill_attempts")
        assert (row["question_id"], row["qtype"], row["answer"], row["ratio"]) == ("q1", "systems", "my answer", 0.5)
        assert row["scores_json"] == '{"a": 1, "b": 1}'


async def test_a_stale_review_writes_nothing(database):
    async with open_database(database) as db:
        repo = DrillRepo(db)
        assert await repo.save_review(attempt(), card(reviews=1))
        assert not await repo.save_review(attempt(), card(reviews=1))  # computed from the same old card
        assert await repo.save_review(attempt(), card(reviews=2))
        assert (await repo.card(SPACE, MEMBER, "q1")).reviews == 2
        async with db.read() as conn:
            count = await conn.fetch_value("SELECT COUNT(*) FROM drill_attempts")
        assert count == 2


async def test_due_question_ids_are_earliest_due_first_and_per_member(database):
    async with open_database(database) as db:
        repo = DrillRepo(db)
        for qid, due in (("late", NOW + timedelta(hours=1)), ("b", NOW), ("a", NOW - timedelta(days=1))):
            await repo.save_review(attempt(qid), card(qid, due=due))
        assert await repo.due_question_ids(SPACE, MEMBER, NOW) == ["a", "b"]
        assert await repo.due_question_ids(SPACE, "bob", NOW) == []
        assert await repo.due_question_ids("other", MEMBER, NOW) == []


async def test_classify_attempts_count_and_remember_the_latest(database):
    async with open_database(database) as db:
        repo = DrillRepo(db)
        assert (await repo.classify_accuracy(SPACE, MEMBER)).ratio is None
        await repo.save_classify(SPACE, MEMBER, "q1", "systems", True, NOW)
        await repo.save_classify(SPACE, MEMBER, "q1", "coding", False, NOW + timedelta(hours=1))
        await repo.save_classify(SPACE, MEMBER, "q2", "coding", True, NOW)
        accuracy = await repo.classify_accuracy(SPACE, MEMBER)
        assert (accuracy.attempts, accuracy.correct) == (3, 2)
        assert await repo.classified(SPACE, MEMBER) == {"q1": NOW + timedelta(hours=1), "q2": NOW}
        assert await repo.classified(SPACE, "bob") == {}


async def test_ratio_samples_list_drill_self_scores_oldest_first(database):
    async with open_database(database) as db:
        repo = DrillRepo(db)
        await repo.save_review(attempt("q2", 1.0, NOW + timedelta(days=1)), card("q2"))
        await repo.save_review(attempt("q1", 0.25), card("q1"))
        samples = await repo.ratio_samples(SPACE, MEMBER)
        assert [(s.type_id, s.source, s.ratio, s.at) for s in samples] == [
            ("systems", "self", 0.25, NOW),
            ("systems", "self", 1.0, NOW + timedelta(days=1)),
        ]
        assert await repo.ratio_samples(SPACE, "bob") == []
