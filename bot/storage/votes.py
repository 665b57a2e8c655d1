"""Peer votes: the hot path of a busy round, so a vote is one short script.

`save` is the whole vote (read the answer and its round, the core's rules and rubric check, the
vote, the voter's board credit, the type's running mean) written once as a `Script`: on SQLite it
runs on the writer's thread, committed together with the other votes queued at the same moment;
on PostgreSQL it is one transaction on a pool connection. The caller resumes only after the COMMIT.

Safe with several writers: the answer and round rows are read FOR SHARE (a withdraw or a close
waits, and a vote that waited finds the answer gone), and whether this is the voter's first vote is
decided by the INSERT itself (ON CONFLICT DO NOTHING), not by an earlier read, so two racing first
votes credit the voter once. The board, then the type mean, in that order in every writer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.core.models import Answer, Round, Vote
from bot.storage.boards import CREDIT_UPSERT, credit_rows
from bot.storage.engine import Database, Dialect, Script, execute, one
from bot.storage.rounds import _answer, _round
from bot.storage.spaces import REMEMBER_MEMBER

Decide = Callable[[tuple[Round, Answer] | None], tuple[Vote, float]]
Saved = tuple[Round, Answer, Vote, bool]


def _save(dialect: Dialect, answer_id: int, decide: Decide, now: datetime, voter_name: str) -> Script[Saved]:
    answer_row = yield one(f"SELECT * FROM answers WHERE id = ?{dialect.for_share}", (answer_id,))
    round_row = answer_row and (
        yield one(f"SELECT * FROM rounds WHERE id = ?{dialect.for_share}", (answer_row["round_id"],))
    )
    found = (_round(round_row), _answer(answer_row)) if round_row else None
    vote, ratio = decide(found)  # raises a DomainError when the vote is refused
    assert found is not None  # decide refuses a missing answer
    rnd, answer = found
    yield execute(REMEMBER_MEMBER, (rnd.space_id, vote.voter_id, voter_name))
    scores = json.dumps(vote.scores)
    first = yield execute(
        "INSERT INTO votes (answer_id, voter_id, scores_json, ratio, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (answer_id, voter_id) DO NOTHING",
        (answer.id, vote.voter_id, scores, ratio, now, now),
    )
    before = 0.0
    if not first:
        old = yield one(
            f"SELECT ratio FROM votes WHERE answer_id = ? AND voter_id = ?{dialect.for_update}",
            (answer.id, vote.voter_id),
        )
        before = old["ratio"]
        yield execute(
            "UPDATE votes SET scores_json = ?, ratio = ?, updated_at = ? WHERE answer_id = ? AND voter_id = ?",
            (scores, ratio, now, answer.id, vote.voter_id),
        )
    elif rnd.local_date:
        yield execute(CREDIT_UPSERT, credit_rows(rnd.space_id, rnd.question.type, rnd.local_date, vote.voter_id))
    yield execute(
        "INSERT INTO type_means (space_id, qtype, ratio_sum, votes) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (space_id, qtype) DO UPDATE SET ratio_sum = type_means.ratio_sum + excluded.ratio_sum, "
        "votes = type_means.votes + excluded.votes",
        (rnd.space_id, rnd.question.type, ratio - before, int(bool(first))),
    )
    return rnd, answer, vote, bool(first)


class VoteRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, answer_id: int, decide: Decide, now: datetime, voter_name: str) -> Saved:
        """Check and write a vote in one transaction (see `VoteStore.save`); the first vote on an
        answer credits the voter on the leaderboard, a re-vote only moves the type's running mean."""
        script = partial(_save, answer_id=answer_id, decide=decide, now=now, voter_name=voter_name)
        return await self.db.write_script(script)
