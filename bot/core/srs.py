"""Spaced repetition for drills: FSRS (the `fsrs` library) fed by the member's self-score.

A drill is self-scored 0/1/2 per rubric criterion; its ratio r = points / max points over the
question's rubric maps to an FSRS rating:

    r <  0.35   Again   missed most of it: back in 10 minutes, then relearnt
    r <  0.60   Hard    partial: back within the day
    r <  0.85   Good    solid: back tomorrow, then at growing intervals
    r >= 0.85   Easy    strong: straight to multi-day intervals

So a weak answer brings its question back sooner than a strong one. Learning steps are
10 minutes then 1 day (the library's 1 and 10 minutes suit flashcards, not answers that take
minutes to write). Interval fuzzing is off, so a schedule is reproducible from its inputs.
Times must be timezone-aware; they come from the injected Clock, never from the wall clock here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, Scheduler

AGAIN_BELOW = 0.35
HARD_BELOW = 0.60
GOOD_BELOW = 0.85

SCHEDULER = Scheduler(
    learning_steps=(timedelta(minutes=10), timedelta(days=1)),
    relearning_steps=(timedelta(minutes=10),),
    enable_fuzzing=False,
)


def rating_for(ratio: float) -> Rating:
    """The FSRS rating of a self-score ratio in 0..1 (thresholds in the module docstring)."""
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f"a self-score ratio is between 0 and 1, got {ratio}")
    if ratio < AGAIN_BELOW:
        return Rating.Again
    if ratio < HARD_BELOW:
        return Rating.Hard
    if ratio < GOOD_BELOW:
        return Rating.Good
    return Rating.Easy


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("spaced-repetition times must be timezone-aware")
    return when.astimezone(UTC)


def new_card(now: datetime) -> Card:
    """A card never reviewed, due at `now`. Its id is only a label for FSRS review logs."""
    now = _utc(now)
    return Card(card_id=int(now.timestamp() * 1000), due=now)


def review(card: Card, ratio: float, now: datetime) -> Card:
    """The card after a review at `now` with self-score `ratio`; `card` itself is not changed."""
    reviewed, _ = SCHEDULER.review_card(card, rating_for(ratio), review_datetime=_utc(now))
    return reviewed


def dumps(card: Card) -> str:
    return card.to_json()


def loads(text: str) -> Card:
    return Card.from_json(text)
