"""A member's own data out (export) or gone (forget), and a space's export for its admins."""

from __future__ import annotations

import json
from typing import Any

from bot.core.scoring import POINTS_SCALE, SCORE_SCALE
from bot.storage.engine import Connection, Database, plain

MEMBER_TABLES = ("drill_answers", "drill_attempts", "drill_cards", "classify_attempts")
# The board's fixed-point totals, exported in their plain units (DOUBLE PRECISION is REAL to SQLite).
BOARD_TOTALS = (
    f"CAST(points_e4 AS DOUBLE PRECISION) / {POINTS_SCALE} AS points, answers, scored_answers, "
    f"CAST(score_sum_e3 AS DOUBLE PRECISION) / {SCORE_SCALE} AS score_sum, votes_cast"
)


async def _rows(conn: Connection, sql: str, params: tuple[object, ...]) -> list[dict[str, Any]]:
    """Rows as dicts, instants and dates as text on every engine."""
    return [{k: plain(v) for k, v in dict(r).items()} for r in await conn.fetch_all(sql, params)]


def rubric_of(question_json: str) -> list[dict[str, str]]:
    """The rubric a round was posted with (id and label per criterion), so the criterion ids in its
    votes stay readable after frameworks.yaml renames or retires them."""
    return [{"id": c["id"], "label": c["label"]} for c in json.loads(question_json)["criteria"]]


class PrivacyRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def export_member(self, space_id: str, member_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            data: dict[str, Any] = {
                "member": await _rows(
                    conn,
                    "SELECT display_name, hidden FROM members WHERE space_id = ? AND member_id = ?",
                    (space_id, member_id),
                ),
                "answers": await _rows(
                    conn,
                    "SELECT r.local_date, r.question_id, a.body, a.score, a.created_at, a.updated_at "
                    "FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.space_id = ? AND a.member_id = ? "
                    "ORDER BY a.id",
                    (space_id, member_id),
                ),
                "votes_cast": await _rows(
                    conn,
                    "SELECT r.local_date, r.question_id, r.question_json AS rubric, v.scores_json AS scores, "
                    "v.created_at, v.updated_at "
                    "FROM votes v JOIN answers a ON a.id = v.answer_id JOIN rounds r ON r.id = a.round_id "
                    "WHERE r.space_id = ? AND v.voter_id = ? ORDER BY v.created_at",
                    (space_id, member_id),
                ),
                "leaderboard": await _rows(
                    conn,
                    f"SELECT qtype, period, {BOARD_TOTALS} FROM board "
                    "WHERE space_id = ? AND member_id = ? ORDER BY qtype, period",
                    (space_id, member_id),
                ),
            }
            for table in MEMBER_TABLES:
                data[table] = await _rows(
                    conn, f"SELECT * FROM {table} WHERE space_id = ? AND member_id = ?", (space_id, member_id)
                )
        for vote in data["votes_cast"]:
            vote["scores"] = json.loads(vote["scores"])
            vote["rubric"] = rubric_of(vote["rubric"])
        return data

    async def forget_member(self, space_id: str, member_id: str) -> int:
        """Delete everything stored about a member in a space, in one transaction; returns rows removed.

        Votes they cast and votes on their answers leave the type means; other members keep the
        credit for reviews they already gave. Results already posted in chat are not edited.
        """
        removed = 0
        async with self.db.write() as conn:
            in_space = "SELECT a.id FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.space_id = ?"
            for where, params in (
                (f"v.voter_id = ? AND v.answer_id IN ({in_space})", (member_id, space_id)),
                (f"v.answer_id IN ({in_space} AND a.member_id = ?)", (space_id, member_id)),
            ):
                await conn.execute(
                    "UPDATE type_means SET ratio_sum = ratio_sum - t.s, votes = votes - t.n FROM ("
                    "SELECT r.qtype AS qtype, SUM(v.ratio) AS s, COUNT(*) AS n FROM votes v "
                    "JOIN answers a ON a.id = v.answer_id JOIN rounds r ON r.id = a.round_id "
                    f"WHERE {where} GROUP BY r.qtype) AS t "
                    "WHERE type_means.space_id = ? AND type_means.qtype = t.qtype",
                    (*params, space_id),
                )
                removed += await conn.execute(f"DELETE FROM votes AS v WHERE {where}", params)
            for sql, params in (
                (f"DELETE FROM answers WHERE member_id = ? AND id IN ({in_space})", (member_id, space_id)),
                ("DELETE FROM board WHERE space_id = ? AND member_id = ?", (space_id, member_id)),
                ("DELETE FROM members WHERE space_id = ? AND member_id = ?", (space_id, member_id)),
                *(
                    (f"DELETE FROM {t} WHERE space_id = ? AND member_id = ?", (space_id, member_id))
                    for t in MEMBER_TABLES
                ),
            ):
                removed += await conn.execute(sql, params)
        return removed

    async def export_space(self, space_id: str) -> dict[str, Any]:
        async with self.db.read() as conn:
            document = {
                "settings": await _rows(conn, "SELECT * FROM spaces WHERE space_id = ?", (space_id,)),
                "skips": await _rows(conn, "SELECT local_date FROM skips WHERE space_id = ?", (space_id,)),
                "members": await _rows(
                    conn, "SELECT member_id, display_name, hidden FROM members WHERE space_id = ?", (space_id,)
                ),
                "rounds": await _rows(
                    conn,
                    "SELECT id, kind, local_date, state, question_id, qtype, question_json AS rubric, opened_at, "
                    "closes_at FROM rounds "
                    "WHERE space_id = ? ORDER BY id",
                    (space_id,),
                ),
                "answers": await _rows(
                    conn,
                    "SELECT a.id, a.round_id, a.member_id, a.body, a.score, a.created_at FROM answers a "
                    "JOIN rounds r ON r.id = a.round_id WHERE r.space_id = ? ORDER BY a.id",
                    (space_id,),
                ),
                "votes": await _rows(
                    conn,
                    "SELECT v.answer_id, v.voter_id, v.scores_json, v.created_at FROM votes v "
                    "JOIN answers a ON a.id = v.answer_id JOIN rounds r ON r.id = a.round_id WHERE r.space_id = ?",
                    (space_id,),
                ),
                "leaderboard": await _rows(
                    conn,
                    f"SELECT space_id, qtype, period, member_id, {BOARD_TOTALS} FROM board "
                    "WHERE space_id = ? AND period = 'all'",
                    (space_id,),
                ),
            }
        for rnd in document["rounds"]:
            rnd["rubric"] = rubric_of(rnd["rubric"])
        return document
