"""The daily grill end to end on the core: real SQLite file, fake clock and publisher."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import open_services
from bot.core.errors import AlreadyPosted, InvalidInput, NotConfigured, NotFound, RoundClosed, SelfVote
from bot.core.models import BoardView, Period, RoundState
from bot.core.platform import DEFAULT
from bot.core.services.rounds import NOT_BLIND_FORM, NOT_BLIND_PEEK, ROUND_NOT_HERE, AnswerOutcome
from bot.core.services.votes import ANSWER_NOT_HERE, NOT_AN_ANSWER
from tests.conftest import FIXTURE_CONTENT

SPACE = "discord:1"
ALL_TWO = {"setup": 2, "target": 2, "steps": 2, "interpretation": 2, "limits": 2}


async def start_round(services, clock, *, question_type=None):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    rnd = await services.grill.post_daily(SPACE, scheduled=True)
    return rnd


def full_scores(rnd, value=2):
    return {c.id: value for c in rnd.question.criteria}


async def test_setup_rejects_bad_input_with_guidance(services):
    with pytest.raises(InvalidInput, match="HH:MM"):
        await services.grill.setup(SPACE, "c", "9am", "UTC")
    with pytest.raises(InvalidInput, match="IANA"):
        await services.grill.setup(SPACE, "c", "09:00", "Moon/Base")
    with pytest.raises(InvalidInput, match="weekday"):
        await services.grill.setup(SPACE, "c", "09:00", "UTC", "someday")
    with pytest.raises(NotConfigured, match="/grill setup"):
        await services.grill.post_daily(SPACE)


async def test_one_round_per_local_date_even_after_restart(services, clock, publisher, database, bank):
    rnd = await start_round(services, clock)
    assert rnd.state is RoundState.OPEN and rnd.thread_ref == rnd.message_ref
    assert len(publisher.posts) == 1
    with pytest.raises(AlreadyPosted):
        await services.grill.post_daily(SPACE)
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as again:
        assert await again.grill.plan_missed_posts() == 0
        with pytest.raises(AlreadyPosted):
            await again.grill.post_daily(SPACE, scheduled=True)
    assert len(publisher.posts) == 1


async def test_catch_up_posts_a_missed_slot_once(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    assert await services.grill.plan_missed_posts() == 1
    assert await services.grill.runner.run_due() == 1
    assert await services.grill.plan_missed_posts() == 0
    assert await services.grill.runner.run_due() == 0
    assert len(publisher.posts) == 1


async def test_a_refused_post_is_sent_whole_on_retry(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    publisher.fail_next_post = PermissionError("missing Send Messages")
    with pytest.raises(PermissionError):
        await services.grill.post_daily(SPACE)
    assert (await services.grill.post_daily(SPACE)).state is RoundState.OPEN
    assert len(publisher.posts) == 1


async def test_paused_and_skipped_days_do_not_post_on_schedule(services, clock):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    await services.grill.set_paused(SPACE, True)
    with pytest.raises(AlreadyPosted, match="paused"):
        await services.grill.post_daily(SPACE, scheduled=True)
    await services.grill.set_paused(SPACE, False)
    await services.grill.skip(SPACE, "2026-11-30")
    with pytest.raises(AlreadyPosted, match="skipped"):
        await services.grill.post_daily(SPACE, scheduled=True)
    with pytest.raises(InvalidInput, match="past"):
        await services.grill.skip(SPACE, "2026-11-01")


async def test_first_thread_message_is_the_answer_then_discussion(services, clock):
    rnd = await start_round(services, clock)
    first = await services.grill.thread_message(rnd.id, "ann", "Ann", "My answer", "m1")
    second = await services.grill.thread_message(rnd.id, "ann", "Ann", "Also...", "m2")
    assert first.outcome is AnswerOutcome.CREATED
    assert second.outcome is AnswerOutcome.DISCUSSION
    edited = await services.grill.message_edited(SPACE, "m1", "My better answer")
    assert edited.outcome is AnswerOutcome.UPDATED
    assert (await services.rounds.answer_of(rnd.id, "ann")).body == "My better answer"
    assert (await services.grill.message_edited(SPACE, "m2", "discussion edit")).outcome is AnswerOutcome.IGNORED


async def test_empty_and_oversized_answers_are_refused_with_a_reason(services, clock):
    rnd = await start_round(services, clock)
    with pytest.raises(InvalidInput, match="empty"):
        await services.grill.thread_message(rnd.id, "ann", "Ann", "   ", "m1")
    with pytest.raises(InvalidInput, match="4001 characters"):
        await services.grill.thread_message(rnd.id, "ann", "Ann", "x" * 4001, "m1")


async def test_deleting_the_answer_withdraws_it_and_the_votes_on_it(services, clock):
    rnd = await start_round(services, clock)
    receipt = await services.grill.thread_message(rnd.id, "ann", "Ann", "answer", "m1")
    await services.votes.cast(SPACE, receipt.answer.id, "bob", "Bob", full_scores(rnd))
    await services.grill.message_deleted(SPACE, "m1")
    assert await services.rounds.answers(rnd.id) == []
    board = await services.boards.leaderboard(SPACE, None, Period.ALL)
    assert board.rows == ()  # Bob's vote credit went with the answer


async def test_late_answer_is_refused_politely(services, clock):
    rnd = await start_round(services, clock)
    clock.set(rnd.closes_at + timedelta(minutes=1))
    with pytest.raises(RoundClosed, match="discussion"):
        await services.grill.thread_message(rnd.id, "ann", "Ann", "too late", "m9")


async def test_vote_rules(services, clock):
    rnd = await start_round(services, clock)
    answer = (await services.grill.thread_message(rnd.id, "ann", "Ann", "answer", "m1")).answer
    with pytest.raises(SelfVote, match="can't rate your own answer"):
        await services.votes.cast(SPACE, answer.id, "ann", "Ann", full_scores(rnd))
    with pytest.raises(NotFound, match="isn't one you can rate on this server"):
        await services.votes.cast("discord:2", answer.id, "eve", "Eve", full_scores(rnd))
    with pytest.raises(InvalidInput, match="Unknown rubric criterion: vibes"):
        await services.votes.cast(SPACE, answer.id, "bob", "Bob", {**full_scores(rnd), "vibes": 2})
    with pytest.raises(InvalidInput, match="Missing"):
        await services.votes.cast(SPACE, answer.id, "bob", "Bob", {})
    with pytest.raises(InvalidInput, match="0 \\(missing\\), 1"):
        await services.votes.cast(SPACE, answer.id, "bob", "Bob", full_scores(rnd, 3))
    first = await services.votes.cast(SPACE, answer.id, "bob", "Bob", full_scores(rnd, 2))
    again = await services.votes.cast(SPACE, answer.id, "bob", "Bob", full_scores(rnd, 0))
    assert (first.first, again.first) == (True, False)
    (vote,) = await services.rounds.votes(rnd.id)
    assert set(vote.scores.values()) == {0}  # the re-vote replaced the first
    clock.set(rnd.closes_at)
    with pytest.raises(RoundClosed, match="Voting on this round has closed"):
        await services.votes.cast(SPACE, answer.id, "cat", "Cat", full_scores(rnd))


async def test_close_scores_ranks_and_feeds_the_leaderboards(services, clock, publisher):
    rnd = await start_round(services, clock)
    crit = rnd.question.criteria
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "a", "m1")).answer
    bob = (await services.grill.thread_message(rnd.id, "bob", "Bob", "b", "m2")).answer
    await services.grill.thread_message(rnd.id, "cat", "Cat", "c", "m3")
    half = {c.id: (2 if i == 0 else 0) for i, c in enumerate(crit)}  # disagreement on the first criterion
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd, 2))  # ratio 1.0
    await services.votes.cast(SPACE, ann.id, "cat", "Cat", {c.id: 0 for c in crit})  # ratio 0.0
    await services.votes.cast(SPACE, bob.id, "ann", "Ann", half)
    results = await services.grill.close_round(rnd.id)

    # Space mean over the 3 votes: (1.0 + 0.0 + r) / 3 with r = 2 / (2 * n).
    r = 2 / (2 * len(crit))
    mean = (1.0 + 0.0 + r) / 3
    ann_score = 100 * (1.0 + 0.0 + 3 * mean) / 5
    bob_score = 100 * (r + 3 * mean) / 4
    by_name = {row.display_name: row for row in results.answers}
    assert by_name["Ann"].score == pytest.approx(ann_score)
    assert by_name["Bob"].score == pytest.approx(bob_score)
    assert by_name["Cat"].score is None and by_name["Cat"].rank is None
    assert [row.display_name for row in results.answers] == ["Ann", "Bob", "Cat"]
    assert by_name["Ann"].criteria[0].disagreement is True
    assert by_name["Ann"].voters == 2
    assert publisher.results[-1].round.id == rnd.id

    # Closing again posts nothing new and changes nothing.
    await services.grill.close_round(rnd.id)
    assert len(publisher.results) == 1

    qtype = rnd.question.type
    board = await services.boards.leaderboard(SPACE, qtype, Period.WEEK, caller_id="cat")
    points = {row.display_name: row.value for row in board.rows}
    assert points["Ann"] == pytest.approx(ann_score / 10 + 1)
    assert points["Bob"] == pytest.approx(bob_score / 10 + 1)
    assert points["Cat"] == pytest.approx(1)
    assert board.caller.display_name == "Cat" and board.caller.rank == 3
    overall = await services.boards.leaderboard(SPACE, None, Period.MONTH)
    assert {r.display_name for r in overall.rows} == {"Ann", "Bob", "Cat"}
    other_type = next(t for t in ("coding", "systems") if t != qtype)
    assert (await services.boards.leaderboard(SPACE, other_type, Period.WEEK)).rows == ()
    rating = await services.boards.leaderboard(SPACE, qtype, Period.ALL, BoardView.RATING)
    assert rating.rows == ()  # nobody has 3 scored answers yet

    clock.set(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))  # the next ISO week
    assert (await services.boards.leaderboard(SPACE, qtype, Period.WEEK)).rows == ()
    assert len((await services.boards.leaderboard(SPACE, qtype, Period.ALL)).rows) == 3

    with pytest.raises(RoundClosed):
        await services.votes.cast(SPACE, bob.id, "cat", "Cat", full_scores(rnd))


async def test_hidden_members_leave_the_board_but_keep_their_standing(services, clock):
    rnd = await start_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "a", "m1")).answer
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd))
    await services.grill.close_round(rnd.id)
    await services.spaces.set_hidden(SPACE, "ann", True)
    board = await services.boards.leaderboard(SPACE, None, Period.ALL)
    assert [r.display_name for r in board.rows] == ["Bob"]
    standing = await services.boards.standing(SPACE, "ann")
    assert standing.answers == 1 and standing.overall_points > 0 and standing.streak == 1


async def test_ties_share_a_rank(services, clock):
    rnd = await start_round(services, clock)
    for member in ("ann", "bob"):
        await services.grill.thread_message(rnd.id, member, member.title(), "x", f"m-{member}")
    await services.grill.close_round(rnd.id)
    board = await services.boards.leaderboard(SPACE, None, Period.ALL)
    assert [r.rank for r in board.rows] == [1, 1]


async def test_reminder_names_answers_short_of_two_votes_once(services, clock, publisher):
    rnd = await start_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "a", "m1")).answer
    await services.grill.thread_message(rnd.id, "bob", "Bob", "b", "m2")
    for voter in ("cat", "dan"):
        await services.votes.cast(SPACE, ann.id, voter, voter, full_scores(rnd))
    assert await services.grill.remind(rnd.id) == ["Bob"]
    assert await services.grill.remind(rnd.id) == []
    assert len(publisher.reminders) == 1


async def test_blind_mode_hides_answers_until_reveal(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily", blind_mode=True)
    await services.grill.update(SPACE, answer_window_minutes=120)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    rnd = await services.grill.post_daily(SPACE)
    assert rnd.blind
    ignored = await services.grill.thread_message(rnd.id, "ann", "Ann", "in thread", "m1")
    assert ignored.outcome is AnswerOutcome.IGNORED
    ann = (await services.grill.submit_form_answer(SPACE, rnd.id, "ann", "Ann", "first")).answer
    again = await services.grill.submit_form_answer(SPACE, rnd.id, "ann", "Ann", "second")
    assert again.outcome is AnswerOutcome.UPDATED and again.answer.body == "second"
    with pytest.raises(InvalidInput, match="Answer first"):
        await services.grill.peek_answers(SPACE, rnd.id, "bob")
    assert [name for _, name in await services.grill.peek_answers(SPACE, rnd.id, "ann")] == ["Ann"]
    with pytest.raises(InvalidInput, match="revealed"):
        await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd))
    clock.advance(hours=2)
    with pytest.raises(RoundClosed, match=re.escape("this one was not saved. The answers are revealed")):
        await services.grill.submit_form_answer(SPACE, rnd.id, "bob", "Bob", "late")
    assert await services.grill.reveal(rnd.id) is True
    assert await services.grill.reveal(rnd.id) is False
    assert [a.body for _, a, _ in publisher.reveals] == ["second"]
    assert (await services.rounds.answer_by_message(SPACE, f"reveal-{ann.id}")).id == ann.id
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd))


async def test_a_new_post_closes_yesterdays_open_round(services, clock, publisher):
    rnd = await start_round(services, clock)
    await services.grill.update(SPACE, close_before_next_minutes=0)
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    await services.grill.post_daily(SPACE, scheduled=True)
    await services.grill.runner.run_due()
    assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED
    assert publisher.results[0].round.id == rnd.id


async def test_nothing_acknowledged_is_lost_across_a_restart(database, clock, publisher, bank):
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as svc:
        rnd = await start_round(svc, clock)
        ann = (await svc.grill.thread_message(rnd.id, "ann", "Ann", "kept", "m1")).answer
        await svc.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd, 1))
        await svc.grill.skip(SPACE, "2026-12-25")
    async with open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as svc:
        settings = await svc.spaces.settings(SPACE)
        assert (settings.channel_ref, settings.post_time) == ("channel:1", "09:00")
        assert date(2026, 12, 25) in await svc.spaces.skips(SPACE)
        (reopened,) = await svc.grill.due_rounds()
        assert reopened.id == rnd.id and reopened.question == rnd.question
        assert (await svc.rounds.answer_of(rnd.id, "ann")).body == "kept"
        (vote,) = await svc.rounds.votes(rnd.id)
        assert vote.voter_id == "bob" and set(vote.scores.values()) == {1}
        results = await svc.grill.close_round(rnd.id)
        assert results.answers[0].voters == 1


async def test_a_close_interrupted_after_freezing_finishes_on_retry(services, clock, publisher):
    rnd = await start_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "a", "m1")).answer
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", full_scores(rnd))
    assert await services.rounds.begin_close(rnd.id)  # crash right after this step
    results = await services.grill.close_round(rnd.id)
    assert results.answers[0].score is not None
    assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED


async def test_a_shared_drill_is_a_votable_round_that_leaves_the_boards_alone(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    rnd = await services.grill.share_drill(SPACE, "ann", "Ann", "sample-coding", "my drill answer")
    assert rnd.kind == "drill" and rnd.local_date is None and rnd.state is RoundState.OPEN
    (answer,) = await services.rounds.answers(rnd.id)
    assert answer.body == "my drill answer"
    assert (await services.rounds.answer_by_message(SPACE, f"reveal-{answer.id}")).id == answer.id
    await services.votes.cast(SPACE, answer.id, "bob", "Bob", full_scores(rnd))
    results = await services.grill.close_round(rnd.id)
    assert results.answers[0].score is not None
    assert (await services.boards.leaderboard(SPACE, None, Period.ALL)).rows == ()
    await services.grill.post_daily(SPACE)  # a shared drill does not take the day's slot


async def test_sharing_needs_the_grill_set_up_and_a_real_answer(services):
    with pytest.raises(NotConfigured):
        await services.grill.share_drill(SPACE, "ann", "Ann", "sample-coding", "answer")
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    with pytest.raises(InvalidInput, match="empty"):
        await services.grill.share_drill(SPACE, "ann", "Ann", "sample-coding", " ")


async def test_a_post_interrupted_by_a_crash_is_adopted_not_repeated(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    rnd = await services.grill.post_daily(SPACE)
    # Simulate a crash after the send but before the refs were stored.
    async with services.db.write() as conn:
        await conn.execute(
            "UPDATE rounds SET state = 'posting', message_ref = NULL, thread_ref = NULL WHERE id = ?", (rnd.id,)
        )
    await services.grill.post_due(SPACE)  # the post step of the day, claimed again after the crash
    await services.grill.runner.run_due()
    adopted = await services.rounds.get(rnd.id)
    assert adopted.state is RoundState.OPEN and adopted.message_ref == rnd.message_ref
    assert len(publisher.posts) == 1


async def test_a_post_that_never_left_is_sent_on_recovery(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    settings = await services.spaces.settings(SPACE)
    question = next(iter(services.bank.questions.values()))
    now = clock.now()
    draft = services.grill._draft(settings, "daily", question, date(2026, 11, 30), now, now, now + timedelta(hours=20))
    created = await services.rounds.create_round(draft)  # the process died before the send
    await services.grill.post_due(SPACE)
    await services.grill.runner.run_due()
    assert (await services.rounds.get(created.id)).state is RoundState.OPEN and len(publisher.posts) == 1


async def test_leaving_a_server_pauses_its_schedule_once(services):
    assert await services.grill.left_space(SPACE) is False  # never set up: nothing to pause
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    assert await services.grill.left_space(SPACE) is True
    assert (await services.spaces.settings(SPACE)).paused
    assert await services.grill.left_space(SPACE) is False
    assert await services.grill.next_post(SPACE) is None


NO_ROW = (-1, 0, 2**63, 10**30)  # ids no row can have; SQLite can't even hold the last two


async def test_round_ids_from_another_space_or_no_row_get_one_refusal(services, clock):
    rnd = await start_round(services, clock)
    for space, round_id in [("discord:2", rnd.id), *((SPACE, bad) for bad in NO_ROW)]:
        with pytest.raises(NotFound, match=re.escape(DEFAULT.words(ROUND_NOT_HERE))):
            await services.grill.round_in(space, round_id)
        with pytest.raises(NotFound, match=re.escape(DEFAULT.words(ROUND_NOT_HERE))):
            await services.grill.submit_form_answer(space, round_id, "eve", "Eve", "crafted")
        with pytest.raises(NotFound, match=re.escape(DEFAULT.words(ROUND_NOT_HERE))):
            await services.grill.peek_answers(space, round_id, "eve")
    assert await services.rounds.answers(rnd.id) == []


async def test_form_answers_and_reading_are_for_blind_rounds_only(services, clock):
    rnd = await start_round(services, clock)  # not blind: answers go in the thread
    with pytest.raises(InvalidInput, match=re.escape(NOT_BLIND_FORM)):
        await services.grill.submit_form_answer(SPACE, rnd.id, "ann", "Ann", "an answer with no message")
    with pytest.raises(InvalidInput, match=re.escape(NOT_BLIND_PEEK)):
        await services.grill.peek_answers(SPACE, rnd.id, "ann")
    assert await services.rounds.answers(rnd.id) == []


async def test_answer_ids_from_another_space_round_or_no_row_get_one_refusal(services, clock):
    rnd = await start_round(services, clock)
    answer = (await services.grill.thread_message(rnd.id, "ann", "Ann", "answer", "m1")).answer
    cases = [("discord:2", answer.id, None), (SPACE, answer.id, rnd.id + 1)]
    cases += [(SPACE, bad, None) for bad in NO_ROW]
    for space, answer_id, round_id in cases:
        with pytest.raises(NotFound, match=re.escape(DEFAULT.words(ANSWER_NOT_HERE))):
            await services.votes.cast(space, answer_id, "eve", "Eve", full_scores(rnd), round_id=round_id)
    for space, round_id, message in [("discord:2", rnd.id, "m1"), (SPACE, rnd.id + 1, "m1"), (SPACE, rnd.id, "m2")]:
        with pytest.raises(InvalidInput, match=re.escape(NOT_AN_ANSWER)):
            await services.votes.answer_on_message(space, round_id, message)
    assert await services.rounds.votes(rnd.id) == []
    assert (await services.votes.answer_on_message(SPACE, rnd.id, "m1")).id == answer.id


async def test_admin_commands_say_when_there_is_nothing_to_do(services, clock):
    with pytest.raises(NotConfigured, match="not set up here yet"):
        await services.grill.update(SPACE, answer_window_minutes=30)  # /grill timing before /grill setup
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC")
    with pytest.raises(NotFound, match=re.escape("There is no open round to close here.")):
        await services.grill.close_open_round(SPACE)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    await services.grill.post_daily(SPACE)
    with pytest.raises(AlreadyPosted, match=re.escape("Today's question (2026-11-30) was already posted.")):
        await services.grill.post_now(SPACE)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"answer_window_minutes": 10081}, "answer_minutes takes 0 to 10080 minutes, not 10081."),
        ({"close_before_next_minutes": -5}, "close_before_next takes 0 to 1440 minutes, not -5."),
        ({"reminder_before_close_minutes": 1441}, "reminder_before_close takes 0 to 1440 minutes, not 1441."),
    ],
)
async def test_timing_out_of_range_is_refused_even_past_discord(services, change, message):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC")
    with pytest.raises(InvalidInput, match=re.escape(message)):
        await services.grill.update(SPACE, **change)
    assert (await services.grill.update(SPACE, answer_window_minutes=None)).answer_window_minutes is None
