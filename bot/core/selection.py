"""Which question a space gets next: unused first, rotating through the six types."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.core.content import Bank
from bot.core.models import TYPE_IDS, Question


def pick_daily_question(bank: Bank, used_recent_first: Sequence[str], rng: random.Random) -> Question:
    """Pick from the questions this space has not had, of the type it has waited longest for.

    When every question was used, the older half of the history becomes eligible again.
    """
    if not bank.questions:
        raise LookupError("the question bank is empty")
    used = set(used_recent_first)
    pool = [q for q in bank.questions.values() if q.id not in used]
    if not pool:
        recent = set(used_recent_first[: len(used_recent_first) // 2])
        pool = [q for q in bank.questions.values() if q.id not in recent]
    last_seen = {}
    for age, qid in enumerate(used_recent_first):
        question = bank.questions.get(qid)
        if question and question.type not in last_seen:
            last_seen[question.type] = age
    types_available = sorted({q.type for q in pool}, key=lambda t: (-last_seen.get(t, 10**9), TYPE_IDS.index(t)))
    wanted = types_available[0]
    candidates = sorted((q for q in pool if q.type == wanted), key=lambda q: q.id)
    return rng.choice(candidates)
