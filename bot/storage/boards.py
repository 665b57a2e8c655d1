"""The leaderboard aggregate: written inside vote and close transactions, read without scanning votes.

Totals are exact integers (points x POINTS_SCALE, score sums x SCORE_SCALE; migration 0007). A
board read costs the top rows plus an index-only count of the rows above the caller: it walks
`board_points` (or `board_rating`) in rank order, member id breaking ties, and never sorts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.models import BoardRow, Totals
from bot.core.scoring import POINTS_SCALE, SCORE_SCALE, period_keys, points_fixed, score_fixed
from bot.storage.engine import Connection, Database, Row

OVERALL = "*"


@dataclass(frozen=True, slots=True)
class _View:
    """How one board view reads: its value (the expression its index is on), which rows it shows."""

    value: str
    shown: str
    above: str  # `shown` for the rows above a shown row, from the index alone
    scale: int  # value column / scale = points or mean score

    def select(self, shown: str, tail: str) -> str:
        return (
            f"SELECT b.member_id, COALESCE(m.display_name, b.member_id) AS name, {self.value} AS value, "
            "b.answers, b.votes_cast FROM board b LEFT JOIN members m "
            "ON m.space_id = b.space_id AND m.member_id = b.member_id "
            f"WHERE b.space_id = ? AND b.qtype = ? AND b.period = ? AND {shown} {tail}"
        )


VIEWS = {
    # Points are never negative, so a row with more points than a shown row has points and shows.
    "points": _View("b.points_e4", "(b.points_e4 > 0 OR b.answers > 0)", "b.points_e4 > 0", POINTS_SCALE),
    # The minimum goes into the SQL as a literal (an int from the core), so the partial index applies.
    "rating": _View(
        "(b.score_sum_e3 * 1.0 / b.scored_answers)",
        "b.scored_answers >= {min_answers:d}",
        "b.scored_answers >= {min_answers:d}",
        SCORE_SCALE,
    ),
}


async def bump(
    conn: Connection,
    space_id: str,
    type_id: str,
    local_date: date,
    member_id: str,
    *,
    score: float | None = None,
    answers: int = 0,
    votes_cast: int = 0,
) -> None:
    """Add one fact to the member's rows for the type and overall, in every period the date is in.

    `score` is an answer's score counted once (with `answers=1`; None when it got no votes);
    `votes_cast` are vote credits (+1 for a first vote, -1 when the answer voted on goes).
    Must run inside the caller's write transaction, so the aggregate moves with the fact.
    """
    points, scored, score_sum = points_fixed(score, votes_cast), int(score is not None), score_fixed(score)
    rows = [
        (space_id, type_key, period, member_id, points, answers, scored, score_sum, votes_cast)
        for type_key in (type_id, OVERALL)
        for period in period_keys(local_date)
    ]
    await conn.executemany(UPSERT, rows)


UPSERT = (
    "INSERT INTO board (space_id, qtype, period, member_id, points_e4, answers, scored_answers, "
    "score_sum_e3, votes_cast) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (space_id, qtype, period, member_id) DO UPDATE SET "
    "points_e4 = board.points_e4 + excluded.points_e4, answers = board.answers + excluded.answers, "
    "scored_answers = board.scored_answers + excluded.scored_answers, "
    "score_sum_e3 = board.score_sum_e3 + excluded.score_sum_e3, votes_cast = board.votes_cast + excluded.votes_cast"
)


# A first vote's credit: one statement for the type's and the overall rows in every period. It
# sets only the columns a vote moves, so SQLite leaves the rating index alone.
CREDIT_UPSERT = (
    "INSERT INTO board (space_id, qtype, period, member_id, points_e4, votes_cast) VALUES "
    + ", ".join(["(?, ?, ?, ?, ?, 1)"] * 6)
    + " ON CONFLICT (space_id, qtype, period, member_id) DO UPDATE SET "
    "points_e4 = board.points_e4 + excluded.points_e4, votes_cast = board.votes_cast + excluded.votes_cast"
)


def credit_rows(space_id: str, type_id: str, local_date: date, member_id: str) -> tuple[object, ...]:
    """CREDIT_UPSERT's parameters: the six rows a first vote credits."""
    points = points_fixed(None, 1)
    return tuple(
        value
        for type_key in (type_id, OVERALL)
        for period in period_keys(local_date)
        for value in (space_id, type_key, period, member_id, points)
    )


class BoardRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(
        self,
        space_id: str,
        type_key: str,
        period_key: str,
        view: str,
        min_answers: int,
        limit: int,
        caller_id: str | None,
    ) -> tuple[list[BoardRow], tuple[BoardRow, int] | None]:
        """The top `limit` visible rows best first, with every row tied at the cut (rank 0: ranks are the
        core's), and the caller's visible row with the number of visible rows strictly above it.
        One snapshot, so the two agree."""
        spec = VIEWS[view]
        shown, above_shown = spec.shown.format(min_answers=min_answers), spec.above.format(min_answers=min_answers)
        key = (space_id, type_key, period_key)
        order = f"ORDER BY {spec.value} DESC, b.member_id"
        visible = "AND COALESCE(m.hidden, 0) = 0"
        async with self.db.read() as conn:
            top = await conn.fetch_all(spec.select(shown, f"{visible} {order} LIMIT ?"), (*key, limit))
            if len(top) == limit:
                last = top[-1]
                top += await conn.fetch_all(
                    spec.select(shown, f"{visible} AND {spec.value} = ? AND b.member_id > ? {order}"),
                    (*key, last["value"], last["member_id"]),
                )
            caller = None
            if caller_id is not None:
                found = await conn.fetch_all(spec.select(shown, f"{visible} AND b.member_id = ?"), (*key, caller_id))
                if found:
                    value = found[0]["value"]
                    # The hidden members above, found from the few hidden ones (EXISTS keeps SQLite's
                    # loop on members_hidden; a plain join would walk the board instead).
                    above = await conn.fetch_value(
                        f"SELECT (SELECT count(*) FROM board b WHERE b.space_id = ? AND b.qtype = ? AND b.period = ? "
                        f"AND {above_shown} AND {spec.value} > ?) - (SELECT count(*) FROM members m "
                        "WHERE m.space_id = ? AND m.hidden = 1 AND EXISTS (SELECT 1 FROM board b "
                        "WHERE b.space_id = m.space_id AND b.qtype = ? AND b.period = ? AND b.member_id = m.member_id "
                        f"AND {above_shown} AND {spec.value} > ?))",
                        (*key, value, space_id, type_key, period_key, value),
                    )
                    caller = (self._row(found[0], spec), int(above))
        return [self._row(r, spec) for r in top], caller

    @staticmethod
    def _row(row: Row, spec: _View) -> BoardRow:
        # float(): PostgreSQL's exact numeric for the rating expression, SQLite's REAL already.
        value = float(row["value"]) / spec.scale
        return BoardRow(0, row["member_id"], row["name"], value, row["answers"], row["votes_cast"])

    async def member_totals(self, space_id: str, member_id: str, period_key: str) -> dict[str, Totals]:
        """The member's rows keyed by type id ('*' overall), hidden or not."""
        async with self.db.read() as conn:
            found = await conn.fetch_all(
                "SELECT qtype, points_e4, answers, scored_answers, score_sum_e3, votes_cast FROM board "
                "WHERE space_id = ? AND member_id = ? AND period = ?",
                (space_id, member_id, period_key),
            )
        return {r["qtype"]: Totals(r[1] / POINTS_SCALE, r[2], r[3], r[4] / SCORE_SCALE, r[5]) for r in found}
