"""Scoring rules (SPEC section 5), pure functions with the formulas written out.

Answer score, in 0..100:
    r_v   = points_v / max_points                  each voter's share of the rubric's points
    score = 100 * (sum_v r_v + K * m) / (n + K)    n voters, K = PRIOR_VOTES = 3,
                                                   m = the space's mean r over all votes on
                                                   answers of the same question type
An answer without votes has no score (None) but still counts as participation.

Leaderboard points for a member in a type and period:
    points = sum of their answers' scores / 10 + 1 per answer of someone else they voted on
Totals are summed exactly, as integers: points in 1/POINTS_SCALE of a point (each answer's
share rounded once, to 0.0001 points) and score sums in 1/SCORE_SCALE of a score point. Equal
totals are therefore equal, whatever the order of the additions, and tie.
Rating view: mean answer score, for members with at least RATING_MIN_ANSWERS scored answers.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from bot.core.models import MAX_CRITERION_POINTS, Criterion, CriterionResult, Vote

PRIOR_VOTES = 3
DEFAULT_PRIOR_MEAN = 0.5  # used before a space has any vote on a type
RATING_MIN_ANSWERS = 3
POINTS_PER_VOTE_CAST = 1.0
SCORE_TO_POINTS = 0.1


def max_points(criteria: Sequence[Criterion]) -> int:
    return MAX_CRITERION_POINTS * len(criteria)


def vote_ratio(vote: Vote, criteria: Sequence[Criterion]) -> float:
    return vote.points / max_points(criteria)


def answer_score(ratios: Sequence[float], prior_mean: float, prior_votes: int = PRIOR_VOTES) -> float | None:
    """Mean voter ratio shrunk toward `prior_mean` with the weight of `prior_votes` votes, as 0..100."""
    if not ratios:
        return None
    return 100.0 * (sum(ratios) + prior_votes * prior_mean) / (len(ratios) + prior_votes)


def criterion_results(criteria: Sequence[Criterion], votes: Sequence[Vote]) -> tuple[CriterionResult, ...]:
    """Per-criterion mean points and a disagreement flag (some voter gave 0, another gave 2)."""
    results = []
    for criterion in criteria:
        given = [v.scores[criterion.id] for v in votes if criterion.id in v.scores]
        mean = sum(given) / len(given) if given else None
        disagreement = 0 in given and MAX_CRITERION_POINTS in given
        results.append(CriterionResult(criterion, mean, disagreement))
    return tuple(results)


POINTS_SCALE = 10_000  # leaderboard points are summed as integers of 1/10,000 point
SCORE_SCALE = 1_000  # score sums (for the rating view) as integers of 1/1,000 of a score point


def points_fixed(score: float | None, votes_cast: int) -> int:
    """Leaderboard points of one answer's score (None: unscored) plus vote credits, in 1/POINTS_SCALE points."""
    return round((score or 0.0) * SCORE_TO_POINTS * POINTS_SCALE) + round(
        votes_cast * POINTS_PER_VOTE_CAST * POINTS_SCALE
    )


def score_fixed(score: float | None) -> int:
    """An answer score (0..100; None: unscored) in 1/SCORE_SCALE of a score point."""
    return round((score or 0.0) * SCORE_SCALE)


def competition_ranks(values: Sequence[float]) -> list[int]:
    """Ranks for values sorted best first; equal values share a rank ("1, 1, 3")."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        tied = i > 0 and _same(value, values[i - 1])
        ranks.append(ranks[-1] if tied else i + 1)
    return ranks


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


@functools.lru_cache(maxsize=1024)  # every vote asks for its round's date: compute each date once
def period_keys(local_date: date) -> tuple[str, str, str]:
    """The aggregate keys a round on `local_date` counts toward: all time, its ISO week, its month."""
    year, week, _ = local_date.isocalendar()
    return ("all", f"week:{year}-W{week:02d}", f"month:{local_date:%Y-%m}")


def period_key(period: str, local_date: date) -> str:
    """The aggregate key of `period` ('week', 'month' or 'all') for the period holding `local_date`."""
    keys = dict(zip(("all", "week", "month"), period_keys(local_date), strict=True))
    return keys[period]
