from datetime import date

import pytest

from bot.core.models import Criterion, Vote
from bot.core.scoring import (
    POINTS_SCALE,
    answer_score,
    competition_ranks,
    criterion_results,
    period_key,
    period_keys,
    points_fixed,
    score_fixed,
    vote_ratio,
)

CRITERIA = (Criterion("a", "A", "a"), Criterion("b", "B", "b"), Criterion("c", "C", "c"))


def test_vote_ratio_is_points_over_max_points():
    assert vote_ratio(Vote(1, "v", {"a": 2, "b": 1, "c": 0}), CRITERIA) == pytest.approx(3 / 6)


def test_one_generous_vote_is_shrunk_toward_the_space_mean():
    # (1.0 + 3 * 0.5) / (1 + 3) = 0.625
    assert answer_score([1.0], prior_mean=0.5) == pytest.approx(62.5)


def test_many_votes_dominate_the_prior():
    # (0.9 * 9 + 3 * 0.5) / 12 = 0.8
    assert answer_score([0.9] * 9, prior_mean=0.5) == pytest.approx(80.0)


def test_one_perfect_vote_does_not_beat_four_strong_votes():
    single = answer_score([1.0], prior_mean=0.4)
    consistent = answer_score([0.8, 0.8, 0.8, 0.8], prior_mean=0.4)
    assert single == pytest.approx(55.0)  # (1 + 1.2) / 4
    assert consistent == pytest.approx(62.857, abs=1e-3)  # (3.2 + 1.2) / 7
    assert consistent > single


def test_no_votes_no_score():
    assert answer_score([], prior_mean=0.5) is None


def test_points_are_scores_over_ten_plus_one_per_vote_in_exact_fixed_point():
    assert points_fixed(145.0, 3) == 175_000  # 17.5 points
    assert points_fixed(None, 1) == POINTS_SCALE
    # Sums of fixed-point shares do not depend on the order of the additions, unlike float sums.
    shares = [points_fixed(s, 0) for s in (100 / 3, 200 / 3, 0.1, 0.2, 0.3)]
    assert sum(shares) == sum(reversed(shares)) == sum(sorted(shares))
    assert score_fixed(62.5) == 62_500 and score_fixed(None) == 0


def test_disagreement_flags_a_criterion_with_both_zero_and_two():
    votes = [Vote(1, "x", {"a": 0, "b": 1, "c": 2}), Vote(1, "y", {"a": 2, "b": 1, "c": 1})]
    a, b, c = criterion_results(CRITERIA, votes)
    assert (a.mean, a.disagreement) == (1.0, True)
    assert (b.mean, b.disagreement) == (1.0, False)
    assert (c.mean, c.disagreement) == (1.5, False)


def test_criterion_without_votes_has_no_mean():
    assert criterion_results(CRITERIA, [])[0].mean is None


def test_ties_share_a_rank_and_the_next_rank_skips():
    assert competition_ranks([9.0, 7.0, 7.0, 5.0]) == [1, 2, 2, 4]


def test_period_keys_use_iso_week_and_month():
    # 2027-01-01 is a Friday in ISO week 53 of 2026.
    assert period_keys(date(2027, 1, 1)) == ("all", "week:2026-W53", "month:2027-01")
    assert period_key("week", date(2026, 11, 30)) == "week:2026-W49"
