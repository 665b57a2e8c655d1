"""Peer votes: the hot path of a busy round, so a vote is one group-committed function.

`save` runs the whole vote (read the answer and its round, the core's rules and rubric check,
the vote, the type's running mean, the voter's board credit) as one function on the writer's
thread, committed together with the other votes queued at the same moment
(`Database.write_grouped`). The caller resumes only after the COMMIT. Reading inside the write
transaction also means nothing can close the round between the check and the write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.core.models import Answer, Round, Vote
from bot.storage.boards import CREDIT_UPSERT, credit_rows
from bot.storage.db import Database, instant
from bot.storage.rounds import _answer, _round
from bot.storage.spaces import REMEMBER_MEMBER

Decide = Callable[[tuple[Round, Answer] | None], tuple[Vote, float]]


def _save(
    conn: sqlite3.Connection, answer_id: int, decide: Decide, now: str, voter_name: str
) -> tuple[Round, Answer, Vote, bool]:
    """On the writer's thread, inside the group's transaction."""
    answer_row = conn.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
    round_row = answer_row and conn.execute("SELECT * FROM rounds WHERE id = ?", (answer_row["round_id"],)).fetchone()
    found = (_round(round_row), _answer(answer_row)) if round_row else None
    vote, ratio = decide(found)  # raises a DomainError when the vote is refused
    assert found is not None  # decide refuses a missing answer
    rnd, answer = found
    before = conn.execute(
        "SELECT ratio FROM votes WHERE answer_id = ? AND voter_id = ?", (answer.id, vote.voter_id)
    ).fetchone()
    conn.execute(REMEMBER_MEMBER, (rnd.space_id, vote.voter_id, voter_name))
    conn.execute(
        "INSERT INTO votes (answer_id, voter_id, scores_json, ratio, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id, voter_id) DO UPDATE SET "
        "scores_json = excluded.scores_json, ratio = excluded.ratio, updated_at = excluded.updated_at",
        (answer.id, vote.voter_id, json.dumps(vote.scores), ratio, now, now),
    )
    conn.execute(
        "INSERT INTO type_means (space_id, qtype, ratio_sum, votes) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (space_id, qtype) DO UPDATE SET ratio_sum = ratio_sum + excluded.ratio_sum, "
        "votes = votes + excluded.votes",
        (rnd.space_id, rnd.question.type, ratio - (before["ratio"] if before else 0.0), 0 if before else 1),
    )
    if before is None and rnd.local_date:
        conn.execute(CREDIT_UPSERT, credit_rows(rnd.space_id, rnd.question.type, rnd.local_date, vote.voter_id))
    return rnd, answer, vote, before is None


class VoteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(
        self, answer_id: int, decide: Decide, now: datetime, voter_name: str
    ) -> tuple[Round, Answer, Vote, bool]:
        """Check and write a vote in one transaction (see `VoteStore.save`); the first vote on an
        answer credits the voter on the leaderboard, a re-vote only moves the type's running mean."""
        job = partial(_save, answer_id=answer_id, decide=decide, now=instant(now), voter_name=voter_name)
        return await self.db.write_grouped(job)
