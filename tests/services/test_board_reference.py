"""The leaderboard read (top rows from an index, the caller ranked by a count) against a naive
reference computed from the facts themselves (answers, scores, votes), on random data full of ties."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from bot.core import scoring
from bot.core.models import TYPE_IDS, BoardView, Period
from bot.storage.engine import parse_date

SPACE = "discord:1"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday; rounds run for five weeks


async def naive_board(db, type_id, period_key, view, hidden, limit):
    """Every member's total recomputed from answers and votes, sorted and cut the obvious way."""
    async with db.read() as conn:
        daily = await conn.fetch_all("SELECT id, qtype, local_date FROM rounds WHERE kind = 'daily'")
        member_rows = await conn.fetch_all("SELECT member_id, display_name FROM members WHERE space_id = ?", (SPACE,))
        closed = {r[0] for r in await conn.fetch_all("SELECT id FROM rounds WHERE state = 'closed'")}
        answer_rows = await conn.fetch_all("SELECT round_id, member_id, score FROM answers")
        vote_rows = await conn.fetch_all(
            "SELECT a.round_id, v.voter_id FROM votes v JOIN answers a ON a.id = v.answer_id"
        )
    rounds = {r[0]: (r[1], parse_date(r[2])) for r in daily}
    names = {r[0]: r[1] for r in member_rows}
    points, answers, scores = defaultdict(int), defaultdict(int), defaultdict(list)
    counted = {
        rid
        for rid, (qtype, day) in rounds.items()
        if (type_id is None or qtype == type_id) and period_key in scoring.period_keys(day)
    }
    for round_id, member, score in answer_rows:
        if round_id in counted and round_id in closed:
            points[member] += scoring.points_fixed(score, 0)
            answers[member] += 1
            if score is not None:
                scores[member].append(scoring.score_fixed(score))
    for round_id, voter in vote_rows:
        if round_id in counted:
            points[voter] += scoring.points_fixed(None, 1)
    if view is BoardView.POINTS:
        values = {m: p / scoring.POINTS_SCALE for m, p in points.items() if p > 0 or answers[m] > 0}
    else:
        values = {
            m: sum(s) / len(s) / scoring.SCORE_SCALE for m, s in scores.items() if len(s) >= scoring.RATING_MIN_ANSWERS
        }
    ordered = sorted((m for m in values if m not in hidden), key=lambda m: (-values[m], m))
    ranks = {}
    for i, member in enumerate(ordered):
        ranks[member] = ranks[ordered[i - 1]] if i and values[member] == values[ordered[i - 1]] else i + 1
    shown = [m for m in ordered if len(ordered) <= limit or ranks[m] <= ranks[ordered[limit - 1]]]
    return [(ranks[m], m, names.get(m, m), values[m]) for m in shown], ranks, values


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_board_matches_a_naive_reference_ties_included(services, clock, seed):
    rng = random.Random(seed)
    people = [f"m{i:02d}" for i in range(40)]
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    for day in range(35):
        clock.set(START + timedelta(days=day))
        rnd = await services.grill.post_daily(SPACE, scheduled=True)
        authors = rng.sample(people, k=rng.randint(2, 12))
        answers = [
            (await services.grill.thread_message(rnd.id, m, m.upper(), "answer", f"{day}-{m}")).answer for m in authors
        ]
        criteria = [c.id for c in rnd.question.criteria]
        for _ in range(rng.randint(0, 30)):
            answer, voter = rng.choice(answers), rng.choice(people)
            if voter != answer.member_id:  # equal rubric points on small rubrics make many equal scores
                await services.votes.cast(
                    SPACE, answer.id, voter, voter.upper(), {c: rng.choice((0, 2)) for c in criteria}
                )
        if rng.random() < 0.2:  # a withdrawn answer takes its voters' credits back
            await services.grill.message_deleted(SPACE, f"{day}-{answers[0].member_id}")
        await services.grill.close_round(rnd.id)
    hidden = set(rng.sample(people, k=5))
    for member in hidden:
        await services.spaces.set_hidden(SPACE, member, True)
    clock.set(START + timedelta(days=34, hours=3))
    today = (START + timedelta(days=34)).date()
    compared = tied = cut_ties = 0
    for type_id in (None, *TYPE_IDS):
        for period in Period:
            for view in BoardView:
                for caller in (*rng.sample(people, k=6), "nobody"):
                    key = scoring.period_key(period.value, today)
                    limit = rng.choice((3, 10, 25))
                    board = await services.boards.leaderboard(
                        SPACE, type_id, period, view, caller_id=caller, limit=limit
                    )
                    expected, ranks, values = await naive_board(services.db, type_id, key, view, hidden, limit)
                    got = [(r.rank, r.member_id, r.display_name, r.value) for r in board.rows]
                    assert got == expected, (type_id, period, view)
                    if caller in ranks:
                        assert board.caller is not None
                        assert (board.caller.rank, board.caller.value) == (ranks[caller], values[caller])
                    else:
                        assert board.caller is None
                    compared += 1
                    cut_ties += len(expected) > limit
                    tied += len(ranks) - len(set(ranks.values()))
    assert compared == 7 * 3 * 2 * 7
    assert tied > 0 and cut_ties > 0  # the data must exercise ties, and ties at the cut
