"""Which question comes next: for a space's daily grill, for a member's drill or classify practice."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.core.content import Bank
from bot.core.models import TYPE_IDS, DrillCard, Question


def pick_daily_question(
    bank: Bank, used_recent_first: Sequence[str], rng: random.Random, space_id: str | None = None
) -> Question:
    """Pick from the questions this space has not had, of the type it has waited longest for.

    When every question was used, the less recently used half becomes eligible again.
    """
    visible = bank.select(space_id=space_id)
    if not visible:
        raise LookupError("the question bank is empty")
    distinct_recent_first = list(dict.fromkeys(used_recent_first))
    pool = [q for q in visible if q.id not in set(distinct_recent_first)]
    if not pool:
        recent = set(distinct_recent_first[: len(distinct_recent_first) // 2])
        pool = [q for q in visible if q.id not in recent]
    last_seen = {}
    for age, qid in enumerate(used_recent_first):
        question = bank.questions.get(qid)
        if question and question.type not in last_seen:
            last_seen[question.type] = age
    types_available = sorted({q.type for q in pool}, key=lambda t: (-last_seen.get(t, 10**9), TYPE_IDS.index(t)))
    wanted = types_available[0]
    candidates = sorted((q for q in pool if q.type == wanted), key=lambda q: q.id)
    return rng.choice(candidates)


def pick_drill_question(
    pool: Sequence[Question], cards: Mapping[str, DrillCard], now: datetime, rng: random.Random
) -> Question:
    """A member's next drill from `pool`: the card due longest ago, else a question never drilled
    (at random), else the one seen least recently.
    """
    if not pool:
        raise LookupError("no question to drill")
    due = [q for q in pool if q.id in cards and cards[q.id].due_at <= now]
    if due:
        return min(due, key=lambda q: (cards[q.id].due_at, q.id))
    unseen = [q for q in pool if q.id not in cards]
    if unseen:
        return rng.choice(unseen)
    return min(pool, key=lambda q: (cards[q.id].last_seen_at, q.id))


def pick_classify_question(
    pool: Sequence[Question], classified: Mapping[str, datetime], rng: random.Random
) -> Question:
    """A question the member has not classified yet (at random), else the one classified longest ago."""
    if not pool:
        raise LookupError("no question to classify")
    fresh = [q for q in pool if q.id not in classified]
    if fresh:
        return rng.choice(fresh)
    return min(pool, key=lambda q: (classified[q.id], q.id))
