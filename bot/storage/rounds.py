"""Rounds, answers and votes, with the leaderboard aggregate moved in the same transactions."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime

from bot.core.errors import RoundClosed
from bot.core.models import Answer, Criterion, QuestionSnapshot, Round, RoundState, StepKind, Vote
from bot.storage.boards import bump
from bot.storage.engine import Database, Row, parse_date, parse_instant
from bot.storage.spaces import remember_member
from bot.storage.steps import plan_round_steps

LIVE = ("posting", "open")  # states in which a round's post may be on screen and take answers and votes


def snapshot_json(question: QuestionSnapshot) -> str:
    return json.dumps(asdict(question), ensure_ascii=False)


@functools.lru_cache(maxsize=256)  # a round's snapshot never changes, and every vote reads its round
def _snapshot(text: str) -> QuestionSnapshot:
    data = json.loads(text)
    return QuestionSnapshot(
        id=data["id"],
        type=data["type"],
        prompt=data["prompt"],
        topics=tuple(data["topics"]),
        difficulty=data["difficulty"],
        key_points=tuple(data["key_points"]),
        follow_ups=tuple(data["follow_ups"]),
        # Rounds stored before anchors, key point marks or long forms existed read with the defaults.
        criteria=tuple(Criterion(**c) for c in data["criteria"]),
        long_form=data.get("long_form", ""),
    )


def _round(row: Row) -> Round:
    return Round(
        id=row["id"],
        space_id=row["space_id"],
        kind=row["kind"],
        local_date=parse_date(row["local_date"]) if row["local_date"] else None,
        state=RoundState(row["state"]),
        question=_snapshot(row["question_json"]),
        channel_ref=row["channel_ref"],
        message_ref=row["message_ref"],
        thread_ref=row["thread_ref"],
        opened_at=parse_instant(row["opened_at"]),
        answers_close_at=parse_instant(row["answers_close_at"]),
        closes_at=parse_instant(row["closes_at"]),
        blind=bool(row["blind"]),
        reminded=bool(row["reminded"]),
        revealed=bool(row["revealed"]),
        results_ref=row["results_ref"],
    )


def _answer(row: Row) -> Answer:
    return Answer(
        id=row["id"],
        round_id=row["round_id"],
        member_id=row["member_id"],
        body=row["body"],
        message_ref=row["message_ref"],
        created_at=parse_instant(row["created_at"]),
        updated_at=parse_instant(row["updated_at"]),
        score=row["score"],
    )


class RoundRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- rounds ------------------------------------------------------------------------

    async def create_round(self, draft: Round) -> Round | None:
        """Insert a round; None when a daily round already exists for that space and local date."""
        async with self.db.write() as conn:
            round_id = await conn.insert_returning_id(
                "INSERT INTO rounds (space_id, kind, local_date, state, question_id, qtype, question_json, "
                "channel_ref, blind, opened_at, answers_close_at, closes_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    draft.space_id,
                    draft.kind,
                    draft.local_date,
                    draft.state.value,
                    draft.question.id,
                    draft.question.type,
                    snapshot_json(draft.question),
                    draft.channel_ref,
                    int(draft.blind),
                    draft.opened_at,
                    draft.answers_close_at,
                    draft.closes_at,
                ),
            )
        if round_id is None:
            return None
        created = await self.get(round_id)
        assert created is not None
        return created

    async def mark_posted(
        self, round_id: int, message_ref: str, thread_ref: str | None, plan: Sequence[tuple[StepKind, datetime]]
    ) -> Round:
        """The post is out: the round opens and its timed steps are planned, in one transaction."""
        async with self.db.write() as conn:
            space_id = await conn.fetch_value(
                "UPDATE rounds SET message_ref = ?, thread_ref = ?, state = 'open' WHERE id = ? AND state = 'posting' "
                "RETURNING space_id",
                (message_ref, thread_ref, round_id),
            )
            if space_id is not None:
                await plan_round_steps(conn, space_id, round_id, plan)
        posted = await self.get(round_id)
        assert posted is not None
        return posted

    async def _one_round(self, where: str, params: tuple[object, ...]) -> Round | None:
        async with self.db.read() as conn:
            row = await conn.fetch_one(f"SELECT * FROM rounds WHERE {where}", params)
        return _round(row) if row else None

    async def get(self, round_id: int) -> Round | None:
        return await self._one_round("id = ?", (round_id,))

    async def by_thread(self, space_id: str, thread_ref: str) -> Round | None:
        return await self._one_round("space_id = ? AND thread_ref = ? ORDER BY id DESC LIMIT 1", (space_id, thread_ref))

    async def daily_round(self, space_id: str, local_date: date) -> Round | None:
        return await self._one_round("space_id = ? AND kind = 'daily' AND local_date = ?", (space_id, local_date))

    async def in_states(self, *states: str) -> list[Round]:
        marks = ", ".join("?" for _ in states)
        async with self.db.read() as conn:
            rows = await conn.fetch_all(f"SELECT * FROM rounds WHERE state IN ({marks}) ORDER BY id", states)
        return [_round(r) for r in rows]

    async def open_daily(self, space_id: str) -> list[Round]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT * FROM rounds WHERE space_id = ? AND kind = 'daily' AND state IN ('posting', 'open') "
                "ORDER BY id",
                (space_id,),
            )
        return [_round(r) for r in rows]

    async def daily_dates(self, space_id: str) -> list[date]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT local_date FROM rounds WHERE space_id = ? AND kind = 'daily' ORDER BY local_date", (space_id,)
            )
        return [parse_date(r[0]) for r in rows]

    async def recent_question_ids(self, space_id: str) -> list[str]:
        """Question ids already put to this space, most recent first."""
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT question_id FROM rounds WHERE space_id = ? AND kind = 'daily' ORDER BY id DESC", (space_id,)
            )
        return [r[0] for r in rows]

    async def _set(self, round_id: int, column: str, value: object) -> None:
        async with self.db.write() as conn:
            await conn.execute(f"UPDATE rounds SET {column} = ? WHERE id = ?", (value, round_id))

    async def set_seen_message(self, round_id: int, message_ref: str) -> None:
        """Advance the history cursor, never back: refs of one thread order by (length, text) (see ports)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE rounds SET seen_message_ref = ? WHERE id = ? AND (seen_message_ref IS NULL "
                "OR LENGTH(seen_message_ref) < LENGTH(CAST(? AS TEXT)) "
                "OR (LENGTH(seen_message_ref) = LENGTH(CAST(? AS TEXT)) AND seen_message_ref < ?))",
                (message_ref, round_id, message_ref, message_ref, message_ref),
            )

    async def seen_message(self, round_id: int) -> str | None:
        async with self.db.read() as conn:
            seen: str | None = await conn.fetch_value("SELECT seen_message_ref FROM rounds WHERE id = ?", (round_id,))
        return seen

    async def set_reminded(self, round_id: int) -> bool:
        """Compare-and-set: True for the one caller that marked the reminder sent."""
        async with self.db.write() as conn:
            changed = await conn.execute("UPDATE rounds SET reminded = 1 WHERE id = ? AND reminded = 0", (round_id,))
        return changed == 1

    async def set_revealed(self, round_id: int) -> None:
        await self._set(round_id, "revealed", 1)

    async def discard_posting(self, round_id: int) -> None:
        """Forget a round whose post certainly failed, so the date can be posted again."""
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM rounds WHERE id = ? AND state = 'posting'", (round_id,))

    async def set_results_ref(self, round_id: int, results_ref: str) -> None:
        await self._set(round_id, "results_ref", results_ref)

    # --- answers -----------------------------------------------------------------------

    async def save_answer(
        self,
        round_id: int,
        member_id: str,
        body: str,
        message_ref: str | None,
        now: datetime,
        display_name: str | None = None,
    ) -> tuple[Answer, bool]:
        """Create the member's answer or replace its text; (answer, created). Refused once closed.

        The round's row is read FOR SHARE, so a close waits until this answer is in; the insert is
        ON CONFLICT DO NOTHING, so two writers of the same member's first answer make one row."""
        async with self.db.write() as conn:
            state = await conn.fetch_one(
                f"SELECT space_id, state, answers_close_at FROM rounds WHERE id = ?{conn.dialect.for_share}",
                (round_id,),
            )
            if state is None or state["state"] not in LIVE or parse_instant(state["answers_close_at"]) <= now:
                raise RoundClosed("Answers for this round are closed.")
            if display_name is not None:
                await remember_member(conn, state["space_id"], member_id, display_name)
            answer_id = await conn.insert_returning_id(
                "INSERT INTO answers (round_id, member_id, body, message_ref, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (round_id, member_id) DO NOTHING",
                (round_id, member_id, body, message_ref, now, now),
            )
            created = answer_id is not None
            if not created:
                answer_id = await conn.fetch_value(
                    "UPDATE answers SET body = ?, updated_at = ?, message_ref = COALESCE(?, message_ref) "
                    "WHERE round_id = ? AND member_id = ? RETURNING id",
                    (body, now, message_ref, round_id, member_id),
                )
            row = await conn.fetch_one("SELECT * FROM answers WHERE id = ?", (answer_id,))
        assert row is not None  # written in this same transaction
        return _answer(row), created

    async def withdraw_answer(self, answer_id: int) -> None:
        """Delete an answer of an open round with its votes, taking back the voters' credits.

        The answer's row is locked first (FOR UPDATE): a vote on it, which reads it FOR SHARE, either
        committed before and is taken back here, or waits and then finds the answer gone."""
        async with self.db.write() as conn:
            round_id = await conn.fetch_value(
                f"SELECT round_id FROM answers WHERE id = ?{conn.dialect.for_update}", (answer_id,)
            )
            if round_id is None:
                return
            row = await conn.fetch_one(
                f"SELECT space_id, qtype, local_date, state FROM rounds WHERE id = ?{conn.dialect.for_share}",
                (round_id,),
            )
            assert row is not None  # the answer's round: rounds go only with their answers
            if row["state"] != "open":
                raise RoundClosed("This round is closed, so its answers are final.")
            votes = await conn.fetch_all(
                "SELECT voter_id, ratio FROM votes WHERE answer_id = ? ORDER BY voter_id", (answer_id,)
            )
            for vote in votes:
                if row["local_date"]:
                    await bump(
                        conn,
                        row["space_id"],
                        row["qtype"],
                        parse_date(row["local_date"]),
                        vote["voter_id"],
                        votes_cast=-1,
                    )
            if votes:
                await conn.execute(
                    "UPDATE type_means SET ratio_sum = ratio_sum - ?, votes = votes - ? "
                    "WHERE space_id = ? AND qtype = ?",
                    (sum(v["ratio"] for v in votes), len(votes), row["space_id"], row["qtype"]),
                )
            await conn.execute("DELETE FROM answers WHERE id = ?", (answer_id,))

    async def set_answer_message(self, answer_id: int, message_ref: str) -> None:
        """Point an answer at the message that shows it (blind mode's reveal), for "Rate answer"."""
        async with self.db.write() as conn:
            await conn.execute("UPDATE answers SET message_ref = ? WHERE id = ?", (message_ref, answer_id))

    async def _answers(self, where: str, params: tuple[object, ...]) -> list[Answer]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(f"SELECT * FROM answers WHERE {where} ORDER BY id", params)
        return [_answer(r) for r in rows]

    async def answer(self, answer_id: int) -> Answer | None:
        found = await self._answers("id = ?", (answer_id,))
        return found[0] if found else None

    async def answer_by_message(self, space_id: str, message_ref: str) -> Answer | None:
        found = await self._answers(
            "message_ref = ? AND EXISTS (SELECT 1 FROM rounds r WHERE r.id = answers.round_id AND r.space_id = ?)",
            (message_ref, space_id),
        )
        return found[0] if found else None

    async def answer_of(self, round_id: int, member_id: str) -> Answer | None:
        found = await self._answers("round_id = ? AND member_id = ?", (round_id, member_id))
        return found[0] if found else None

    async def answers(self, round_id: int) -> list[Answer]:
        return await self._answers("round_id = ?", (round_id,))

    async def answered_dates(self, space_id: str, member_id: str) -> set[date]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT r.local_date FROM answers a JOIN rounds r ON r.id = a.round_id "
                "WHERE r.space_id = ? AND r.kind = 'daily' AND a.member_id = ?",
                (space_id, member_id),
            )
        return {parse_date(r[0]) for r in rows}

    # --- votes (written by bot/storage/votes.py) ---------------------------------------

    async def votes(self, round_id: int) -> list[Vote]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT v.answer_id, v.voter_id, v.scores_json FROM votes v "
                "JOIN answers a ON a.id = v.answer_id WHERE a.round_id = ? ORDER BY v.created_at",
                (round_id,),
            )
        return [Vote(r["answer_id"], r["voter_id"], json.loads(r["scores_json"])) for r in rows]

    async def vote_counts(self, round_id: int) -> dict[int, int]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT a.id, COUNT(v.voter_id) FROM answers a LEFT JOIN votes v ON v.answer_id = a.id "
                "WHERE a.round_id = ? GROUP BY a.id",
                (round_id,),
            )
        return {r[0]: r[1] for r in rows}

    async def type_mean(self, space_id: str, type_id: str) -> float | None:
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT ratio_sum, votes FROM type_means WHERE space_id = ? AND qtype = ?", (space_id, type_id)
            )
        return row["ratio_sum"] / row["votes"] if row and row["votes"] > 0 else None

    # --- close -------------------------------------------------------------------------

    async def begin_close(self, round_id: int) -> bool:
        """Stop taking answers and votes. False when the round was not open (already closing or closed)."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE rounds SET state = 'closing' WHERE id = ? AND state IN ('open', 'posting')", (round_id,)
            )
        return changed == 1

    async def finish_close(self, rnd: Round, scores: dict[int, float | None], results_due: datetime) -> None:
        """Write final scores, credit every answer to the leaderboard and plan the results post, once."""
        async with self.db.write() as conn:
            closed = await conn.execute(
                "UPDATE rounds SET state = 'closed' WHERE id = ? AND state = 'closing'", (rnd.id,)
            )
            if closed == 0:
                return
            await plan_round_steps(conn, rnd.space_id, rnd.id, [(StepKind.RESULTS, results_due)])
            rows = await conn.fetch_all("SELECT id, member_id FROM answers WHERE round_id = ? ORDER BY id", (rnd.id,))
            for row in rows:
                score = scores.get(row["id"])
                await conn.execute("UPDATE answers SET score = ? WHERE id = ?", (score, row["id"]))
                if rnd.kind == "daily" and rnd.local_date:
                    await bump(
                        conn,
                        rnd.space_id,
                        rnd.question.type,
                        rnd.local_date,
                        row["member_id"],
                        score=score,
                        answers=1,
                    )
