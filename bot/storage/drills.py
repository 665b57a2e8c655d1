"""Drill attempts, spaced-repetition cards and classify guesses; plus the ratio history behind /stats."""

from __future__ import annotations

import json
from datetime import datetime

from bot.core.models import ClassifyAccuracy, DrillAnswer, DrillAttempt, DrillCard, RatioSample
from bot.storage.engine import Database, Row, parse_instant


def _card(row: Row) -> DrillCard:
    return DrillCard(
        question_id=row["question_id"],
        state=row["card_json"],
        due_at=parse_instant(row["due_at"]),
        last_seen_at=parse_instant(row["last_seen_at"]),
        reviews=row["reviews"],
    )


class DrillRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- drill answers -----------------------------------------------------------------

    async def save_answer(self, space_id: str, member_id: str, question_id: str, answer: str, now: datetime) -> int:
        async with self.db.write() as conn:
            drill_id = await conn.insert_returning_id(
                "INSERT INTO drill_answers (space_id, member_id, question_id, answer, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (space_id, member_id, question_id, answer, now),
            )
        assert drill_id is not None  # a plain INSERT always makes its row
        return drill_id

    async def answer(self, drill_id: int) -> DrillAnswer | None:
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM drill_answers WHERE id = ?", (drill_id,))
        if row is None:
            return None
        return DrillAnswer(
            row["id"],
            row["space_id"],
            row["member_id"],
            row["question_id"],
            row["answer"],
            parse_instant(row["created_at"]),
            row["shared_at"] is not None,
        )

    async def claim_share(self, drill_id: int, now: datetime) -> bool:
        """Mark the drill shared; False when it already was (a second press, a replayed button)."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE drill_answers SET shared_at = ? WHERE id = ? AND shared_at IS NULL", (now, drill_id)
            )
        return changed == 1

    async def release_share(self, drill_id: int) -> None:
        """Undo a claim whose share failed, so the member can try again."""
        async with self.db.write() as conn:
            await conn.execute("UPDATE drill_answers SET shared_at = NULL WHERE id = ?", (drill_id,))

    # --- spaced repetition -------------------------------------------------------------

    async def cards(self, space_id: str, member_id: str) -> list[DrillCard]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT * FROM drill_cards WHERE space_id = ? AND member_id = ? ORDER BY due_at, question_id",
                (space_id, member_id),
            )
        return [_card(r) for r in rows]

    async def card(self, space_id: str, member_id: str, question_id: str) -> DrillCard | None:
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT * FROM drill_cards WHERE space_id = ? AND member_id = ? AND question_id = ?",
                (space_id, member_id, question_id),
            )
        return _card(row) if row else None

    async def save_review(self, attempt: DrillAttempt, card: DrillCard) -> bool:
        """Store the attempt and the reviewed card together; False (nothing written) when another
        review of the same card landed since `card` was computed from it (`card.reviews` is one
        more than the stored count), so the caller recomputes from the fresh card.
        """
        async with self.db.write() as conn:
            changed = await conn.execute(
                "INSERT INTO drill_cards (space_id, member_id, question_id, card_json, due_at, last_seen_at, reviews) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (space_id, member_id, question_id) DO UPDATE SET "
                "card_json = excluded.card_json, due_at = excluded.due_at, last_seen_at = excluded.last_seen_at, "
                "reviews = excluded.reviews WHERE drill_cards.reviews = excluded.reviews - 1",
                (
                    attempt.space_id,
                    attempt.member_id,
                    card.question_id,
                    card.state,
                    card.due_at,
                    card.last_seen_at,
                    card.reviews,
                ),
            )
            if changed == 0:
                return False
            await conn.execute(
                "INSERT INTO drill_attempts (space_id, member_id, question_id, qtype, answer, scores_json, ratio, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    attempt.space_id,
                    attempt.member_id,
                    attempt.question_id,
                    attempt.type_id,
                    attempt.answer,
                    json.dumps(attempt.scores),
                    attempt.ratio,
                    attempt.created_at,
                ),
            )
        return True

    async def due_question_ids(self, space_id: str, member_id: str, now: datetime) -> list[str]:
        """Question ids whose card is due at `now`, earliest due first."""
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT question_id FROM drill_cards WHERE space_id = ? AND member_id = ? AND due_at <= ? "
                "ORDER BY due_at, question_id",
                (space_id, member_id, now),
            )
        return [r[0] for r in rows]

    # --- classify ----------------------------------------------------------------------

    async def save_classify(
        self, space_id: str, member_id: str, question_id: str, guessed_type: str, correct: bool, now: datetime
    ) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO classify_attempts (space_id, member_id, question_id, guessed_type, correct, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (space_id, member_id, question_id, guessed_type, int(correct), now),
            )

    async def classified(self, space_id: str, member_id: str) -> dict[str, datetime]:
        """Question ids the member has classified, with when they last did."""
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT question_id, MAX(created_at) FROM classify_attempts "
                "WHERE space_id = ? AND member_id = ? GROUP BY question_id",
                (space_id, member_id),
            )
        return {r[0]: parse_instant(r[1]) for r in rows}

    async def classify_accuracy(self, space_id: str, member_id: str) -> ClassifyAccuracy:
        async with self.db.read() as conn:
            row = await conn.fetch_one(
                "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM classify_attempts "
                "WHERE space_id = ? AND member_id = ?",
                (space_id, member_id),
            )
        assert row is not None  # an aggregate always returns one row
        return ClassifyAccuracy(int(row[0]), int(row[1]))

    # --- stats -------------------------------------------------------------------------

    async def ratio_samples(self, space_id: str, member_id: str) -> list[RatioSample]:
        """Every rubric ratio about the member's answers, oldest first: each drill's self-score,
        and for each daily answer with votes the mean of its peer votes (one sample per answer, so
        a much-voted answer does not outweigh the others).
        """
        async with self.db.read() as conn:
            # Grouped by every column shown, not a.id alone: PostgreSQL refuses r.qtype otherwise.
            rows = await conn.fetch_all(
                "SELECT qtype, 'self' AS source, ratio, created_at AS at FROM drill_attempts "
                "WHERE space_id = ? AND member_id = ? "
                "UNION ALL "
                "SELECT r.qtype, 'peer', AVG(v.ratio), a.created_at FROM answers a "
                "JOIN rounds r ON r.id = a.round_id JOIN votes v ON v.answer_id = a.id "
                "WHERE r.space_id = ? AND r.kind = 'daily' AND a.member_id = ? GROUP BY a.id, r.qtype, a.created_at "
                "ORDER BY at",
                (space_id, member_id, space_id, member_id),
            )
        return [RatioSample(r[0], r[1], float(r[2]), parse_instant(r[3])) for r in rows]
