"""What /stats gathers: standing per type, practice, classify accuracy and the weekly series."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.models import TYPE_IDS, RatioSample
from bot.core.services.stats import WEEKS_SHOWN, weekly_series

SPACE = "discord:1"


async def test_a_member_with_no_history_has_empty_stats(services):
    stats = await services.stats.member_stats(SPACE, "ann")
    assert not stats.has_scores
    assert stats.display_name == "ann"  # never seen: the id stands in for the name
    assert [t.type_id for t in stats.per_type] == list(TYPE_IDS)
    assert all(t.answers == 0 and t.self_ratio is None and t.peer_ratio is None for t in stats.per_type)
    assert (stats.drills, stats.cards_due, stats.classify.attempts, stats.standing.streak) == (0, 0, 0, 0)
    assert len(stats.weeks) == WEEKS_SHOWN and stats.weekly == ()
    assert stats.weeks[-1] == date(2026, 11, 30)  # the clock's Monday


async def test_stats_combine_daily_answers_votes_drills_and_classify(services, clock):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    rnd = await services.grill.post_daily(SPACE)
    criteria = rnd.question.criteria
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "my answer", "m1")).answer
    await services.grill.thread_message(rnd.id, "bob", "Bob", "his answer", "m2")
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", {c.id: 2 for c in criteria})  # ratio 1.0
    await services.votes.cast(SPACE, ann.id, "cat", "Cat", {c.id: 1 for c in criteria})  # ratio 0.5
    bob_answer = await services.rounds.answer_of(rnd.id, "bob")
    await services.votes.cast(SPACE, bob_answer.id, "ann", "Ann", {c.id: 0 for c in criteria})
    await services.grill.close_round(rnd.id)

    drilled = next(q for q in services.bank.questions.values() if q.type != rnd.question.type)
    drill_criteria = services.bank.criteria_for(drilled)
    await services.drills.submit(SPACE, "ann", drilled.id, "drill answer", {c.id: 0 for c in drill_criteria})
    await services.drills.classify(SPACE, "ann", drilled.id, drilled.type)
    await services.drills.classify(SPACE, "ann", drilled.id, "debugging" if drilled.type != "debugging" else "coding")
    clock.advance(hours=1)

    stats = await services.stats.member_stats(SPACE, "ann")
    by_type = {t.type_id: t for t in stats.per_type}
    daily = by_type[rnd.question.type]
    assert stats.display_name == "Ann"
    assert daily.answers == 1 and daily.points > 0 and daily.rating is None  # rated from 3 scored answers
    assert daily.peer_ratio == pytest.approx(0.75) and daily.self_ratio is None
    assert by_type[drilled.type].self_ratio == 0.0 and by_type[drilled.type].drills == 1
    assert stats.standing.votes_cast == 1 and stats.standing.streak == 1 and stats.standing.answers == 1
    assert (stats.classify.attempts, stats.classify.correct) == (2, 1)
    assert stats.drills == 1 and stats.cards_due == 1  # the failed drill is due again after 10 minutes
    assert stats.has_scores
    week = {(p.type_id, p.week): p for p in stats.weekly}
    assert week[(rnd.question.type, date(2026, 11, 30))].ratio == pytest.approx(0.75)
    assert week[(drilled.type, date(2026, 11, 30))].samples == 1


def test_weekly_series_buckets_by_local_monday_and_drops_old_weeks():
    zone = ZoneInfo("America/New_York")
    sunday_night_utc = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # still Sunday 29th in New York
    samples = [
        RatioSample("coding", "self", 0.2, sunday_night_utc),
        RatioSample("coding", "peer", 0.6, datetime(2026, 11, 24, 12, 0, tzinfo=UTC)),
        RatioSample("coding", "self", 1.0, datetime(2026, 11, 30, 15, 0, tzinfo=UTC)),
        RatioSample("systems", "self", 0.5, datetime(2026, 11, 30, 15, 0, tzinfo=UTC)),
        RatioSample("coding", "self", 0.9, datetime(2026, 1, 5, 12, 0, tzinfo=UTC)),  # before the window
    ]
    weeks, points = weekly_series(samples, zone, date(2026, 12, 2), weeks=4)
    assert weeks == tuple(date(2026, 11, 30) - timedelta(weeks=n) for n in (3, 2, 1, 0))
    assert [(p.week, p.type_id, p.ratio, p.samples) for p in points] == [
        (date(2026, 11, 23), "coding", pytest.approx(0.4), 2),
        (date(2026, 11, 30), "coding", 1.0, 1),
        (date(2026, 11, 30), "systems", 0.5, 1),
    ]


async def test_a_hidden_members_stats_are_theirs_only(services):
    from bot.core.errors import InvalidInput

    await services.spaces.set_hidden("discord:1", "ann", True)
    assert (await services.stats.member_stats("discord:1", "ann", viewer_id="ann")).member_id == "ann"
    with pytest.raises(InvalidInput, match="private"):
        await services.stats.member_stats("discord:1", "ann", viewer_id="bob")
