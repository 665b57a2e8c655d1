"""Spaced repetition: the self-score -> rating mapping and FSRS scheduling, driven by the given time only."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fsrs import Rating, State

from bot.core import srs

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # far from the wall clock: nothing may read it


@pytest.mark.parametrize(
    ("ratio", "rating"),
    [
        (0.0, Rating.Again),
        (0.34, Rating.Again),
        (0.35, Rating.Hard),
        (0.59, Rating.Hard),
        (0.6, Rating.Good),
        (0.84, Rating.Good),
        (0.85, Rating.Easy),
        (1.0, Rating.Easy),
    ],
)
def test_ratio_maps_to_rating_at_the_documented_thresholds(ratio, rating):
    assert srs.rating_for(ratio) is rating


@pytest.mark.parametrize("ratio", [-0.1, 1.01])
def test_a_ratio_outside_zero_to_one_is_a_bug(ratio):
    with pytest.raises(ValueError, match="between 0 and 1"):
        srs.rating_for(ratio)


def test_a_new_card_is_due_at_the_given_time():
    card = srs.new_card(NOW)
    assert card.due == NOW and card.last_review is None and card.state is State.Learning


def test_weaker_answers_come_back_sooner():
    due = {ratio: srs.review(srs.new_card(NOW), ratio, NOW).due for ratio in (0.0, 0.5, 0.7, 1.0)}
    assert due[0.0] == NOW + timedelta(minutes=10)  # Again: the first learning step
    assert due[0.0] < due[0.5] < due[0.7] < due[1.0]
    assert due[0.7] == NOW + timedelta(days=1)  # Good: the second learning step
    assert due[1.0] - NOW >= timedelta(days=2)  # Easy: straight to review


def test_review_uses_the_given_time_and_leaves_the_input_card_alone():
    card = srs.new_card(NOW)
    later = NOW + timedelta(days=3)
    reviewed = srs.review(card, 0.7, later)
    assert reviewed.last_review == later and reviewed.due > later
    assert card.last_review is None and card.due == NOW


def test_passing_again_and_again_grows_the_interval():
    card, now, gaps = srs.new_card(NOW), NOW, []
    for _ in range(4):
        card = srs.review(card, 0.8, now)
        gaps.append(card.due - now)
        now = card.due
    assert gaps == sorted(gaps) and gaps[-1] > gaps[0]


def test_a_lapse_after_review_relearns_within_minutes():
    card = srs.review(srs.new_card(NOW), 1.0, NOW)
    lapse = srs.review(card, 0.1, card.due)
    assert lapse.state is State.Relearning and lapse.due == card.due + timedelta(minutes=10)


def test_times_in_another_zone_are_converted_and_naive_times_refused():
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert srs.review(srs.new_card(paris), 0.7, paris).due == NOW + timedelta(days=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        srs.new_card(datetime(2030, 1, 7, 9, 0))  # noqa: DTZ001


def test_cards_round_trip_through_json():
    card = srs.review(srs.new_card(NOW), 0.5, NOW)
    again = srs.loads(srs.dumps(card))
    assert again.to_dict() == card.to_dict()
    assert again.due.tzinfo is not None
