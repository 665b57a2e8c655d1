"""The leaderboard aggregate: written inside vote and close transactions, read without scanning votes."""

from __future__ import annotations

from datetime import date

import aiosqlite

from bot.core.models import BoardRow, Totals
from bot.core.scoring import period_keys
from bot.storage.db import Database

OVERALL = "*"


async def bump(
    conn: aiosqlite.Connection,
    space_id: str,
    type_id: str,
    local_date: date,
    member_id: str,
    *,
    points: float = 0.0,
    answers: int = 0,
    scored: int = 0,
    score_sum: float = 0.0,
    votes_cast: int = 0,
) -> None:
    """Add deltas to the member's rows for the type and overall, in every period the date is in.

    Must run inside the caller's write transaction, so the aggregate moves with the fact.
    """
    rows = [
        (space_id, type_key, period, member_id, points, answers, scored, score_sum, votes_cast)
        for type_key in (type_id, OVERALL)
        for period in period_keys(local_date)
    ]
    await conn.executemany(
        "INSERT INTO board (space_id, qtype, period, member_id, points, answers, scored_answers, "
        "score_sum, votes_cast) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (space_id, qtype, period, member_id) DO UPDATE SET "
        "points = points + excluded.points, answers = answers + excluded.answers, "
        "scored_answers = scored_answers + excluded.scored_answers, "
        "score_sum = score_sum + excluded.score_sum, votes_cast = votes_cast + excluded.votes_cast",
        rows,
    )


class BoardRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def rows(self, space_id: str, type_key: str, period_key: str, view: str, min_answers: int) -> list[BoardRow]:
        """Every visible member's row, best first; ranks are left to the core (rank 0 here)."""
        if view == "rating":
            value, where = "b.score_sum / b.scored_answers", "AND b.scored_answers >= ?"
            params: tuple[object, ...] = (space_id, type_key, period_key, min_answers)
        else:
            value, where = "b.points", "AND (b.points > 0 OR b.answers > 0)"
            params = (space_id, type_key, period_key)
        sql = (
            f"SELECT b.member_id, COALESCE(m.display_name, b.member_id) AS name, {value} AS value, "
            "b.answers, b.votes_cast FROM board b LEFT JOIN members m "
            "ON m.space_id = b.space_id AND m.member_id = b.member_id "
            f"WHERE b.space_id = ? AND b.qtype = ? AND b.period = ? {where} AND COALESCE(m.hidden, 0) = 0 "
            "ORDER BY value DESC, b.member_id"
        )
        async with self.db.read() as conn:
            found = await (await conn.execute(sql, params)).fetchall()
        return [BoardRow(0, r["member_id"], r["name"], float(r["value"]), r["answers"], r["votes_cast"]) for r in found]

    async def member_totals(self, space_id: str, member_id: str, period_key: str) -> dict[str, Totals]:
        """The member's rows keyed by type id ('*' overall), hidden or not."""
        async with self.db.read() as conn:
            found = await (
                await conn.execute(
                    "SELECT qtype, points, answers, scored_answers, score_sum, votes_cast FROM board "
                    "WHERE space_id = ? AND member_id = ? AND period = ?",
                    (space_id, member_id, period_key),
                )
            ).fetchall()
        return {r["qtype"]: Totals(r[1], r[2], r[3], r[4], r[5]) for r in found}
