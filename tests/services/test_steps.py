"""Durable timed steps on a real SQLite file: claimed once, done after the platform confirmed,
retried with backoff, independent of each other, faults shown to admins (SPEC section 7)."""

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bot.app import open_services
from bot.core.errors import SpaceFault
from bot.core.models import Period, RoundState, StepKind, StepState
from bot.core.services.steps import GIVE_UP_AFTER, LEASE, StepOutcome, retry_delay
from tests.conftest import FIXTURE_CONTENT

SPACE = "discord:1"


class Outage(Exception):
    """What a 5xx or a 429 past the client's own retries looks like to the core."""


async def posted_round(services, clock):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    return await services.grill.post_daily(SPACE, scheduled=True)


async def step_of(services, round_id, kind):
    return await services.steps.round_step(round_id, kind)


def test_backoff_starts_within_a_minute_doubles_and_caps_at_fifteen_minutes():
    assert retry_delay(500, step_id=7) <= timedelta(minutes=15)  # a day of failures never overflows
    delays = [retry_delay(n, step_id=7) for n in range(1, 12)]
    assert timedelta(seconds=8) <= delays[0] <= timedelta(seconds=10)
    assert all(later >= earlier for earlier, later in pairwise(delays))
    assert max(delays) <= timedelta(minutes=15) and delays[-1] >= timedelta(minutes=12)
    assert retry_delay(1, step_id=1) != retry_delay(1, step_id=2)  # steps that failed together spread out


async def test_a_posted_round_has_its_steps_in_the_database(services, clock):
    rnd = await posted_round(services, clock)
    kinds = {s.kind for s in await services.steps.of_space(SPACE, StepState.DUE)}
    assert kinds == {StepKind.CLOSE, StepKind.REMIND}
    close = await step_of(services, rnd.id, StepKind.CLOSE)
    assert close.due_at == rnd.closes_at


async def test_a_results_post_that_fails_is_retried_until_it_goes_out_once(services, clock, publisher):
    rnd = await posted_round(services, clock)
    clock.set(rnd.closes_at)
    publisher.fail["results:0"] = [Outage("503 Service Unavailable")] * 3
    await services.grill.runner.run_due()
    assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED  # scoring never waits for Discord
    results = await step_of(services, rnd.id, StepKind.RESULTS)
    assert results.state is StepState.DUE and results.attempts == 1 and "503" in results.last_error
    assert results.next_attempt_at - clock.now() <= timedelta(seconds=60)
    for _ in range(3):
        clock.set((await step_of(services, rnd.id, StepKind.RESULTS)).next_attempt_at)
        await services.grill.runner.run_due()
    assert (await step_of(services, rnd.id, StepKind.RESULTS)).state is StepState.DONE
    assert publisher.result_messages == [(rnd.id, "results:0"), (rnd.id, "results:1")]
    assert (await services.rounds.get(rnd.id)).results_ref == f"results:0-{rnd.id}"
    report = await services.grill._close_now(rnd.id)  # /grill close afterwards: nothing posted twice
    assert report.delivery.outcome is StepOutcome.BUSY and len(publisher.result_messages) == 2


async def test_a_retry_posts_only_the_results_messages_that_are_missing(services, clock, publisher):
    rnd = await posted_round(services, clock)
    clock.set(rnd.closes_at)
    publisher.fail["results:1"] = [Outage("500")]
    await services.grill.runner.run_due()
    clock.set((await step_of(services, rnd.id, StepKind.RESULTS)).next_attempt_at)
    await services.grill.runner.run_due()
    assert publisher.result_messages == [(rnd.id, "results:0"), (rnd.id, "results:1")]


async def test_two_closes_at_once_score_once_and_post_once(services, clock, publisher):
    rnd = await posted_round(services, clock)
    ann = (await services.grill.thread_message(rnd.id, "ann", "Ann", "an answer", "m1")).answer
    await services.votes.cast(SPACE, ann.id, "bob", "Bob", {c.id: 2 for c in rnd.question.criteria})
    clock.set(rnd.closes_at)
    await asyncio.gather(
        services.grill.runner.run_due(), services.grill.close_round(rnd.id), services.grill.close_round(rnd.id)
    )
    assert len(publisher.results) == 1 and len(publisher.result_messages) == 2
    rows = (await services.boards.leaderboard(SPACE, None, Period.ALL)).rows
    assert {r.member_id: r.answers for r in rows} == {"ann": 1, "bob": 0}  # credited once


async def test_two_runners_on_one_database_never_run_a_step_twice(database, clock, publisher, bank):
    async with (
        open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as one,
        open_services(database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as two,
    ):
        for n in range(6):
            await one.grill.setup(f"discord:{n}", f"channel:{n}", "09:00", "UTC", "daily")
        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        for n in range(6):
            await one.grill.post_due(f"discord:{n}")
        await asyncio.gather(one.grill.runner.run_due(), two.grill.runner.run_due())
        assert len(publisher.posts) == 6
        rounds = [await one.rounds.daily_round(f"discord:{n}", clock.now().date()) for n in range(6)]
        clock.set(rounds[0].closes_at)
        await asyncio.gather(one.grill.runner.run_due(), two.grill.runner.run_due())
        assert sorted(r.round.id for r in publisher.results) == sorted(r.id for r in rounds)


async def test_a_failed_results_post_never_blocks_the_next_days_post(services, clock, publisher):
    rnd = await posted_round(services, clock)
    await services.grill.update(SPACE, close_before_next_minutes=0)
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    publisher.fail["results:0"] = [Outage("500")] * 50
    await services.grill.post_due(SPACE)
    await services.grill.runner.run_due()
    today = await services.rounds.daily_round(SPACE, clock.now().date())
    assert today is not None and today.state is RoundState.OPEN
    assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED
    assert (await step_of(services, rnd.id, StepKind.RESULTS)).state is StepState.DUE


async def test_a_step_failing_for_a_day_is_given_up_with_its_reason(services, clock, publisher):
    rnd = await posted_round(services, clock)
    clock.set(rnd.closes_at)
    publisher.fail["results:0"] = [Outage("502 Bad Gateway")] * 500
    attempts = 0
    while (step := await step_of(services, rnd.id, StepKind.RESULTS)) is None or step.state is not StepState.FAILED:
        assert attempts < 200 and (step is None or step.state is StepState.DUE), step
        if step is not None:
            clock.set(step.next_attempt_at)
        await services.grill.runner.run_due()
        attempts += 1
    assert step.last_error.startswith("gave up after 24 h: Outage: 502")
    assert clock.now() - step.due_at >= GIVE_UP_AFTER
    assert attempts < 130  # 10 s doubling to a 15 min cap: about a hundred tries a day, not a storm
    assert await services.steps.next_wake() is None or (await services.steps.next_wake()) > clock.now()


async def test_a_blind_reveal_cut_short_posts_only_the_missing_answers(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily", blind_mode=True)
    await services.grill.update(SPACE, answer_window_minutes=60)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    rnd = await services.grill.post_daily(SPACE)
    for name in ("ann", "bob", "cyd"):
        await services.grill.submit_form_answer(SPACE, rnd.id, name, name.title(), f"{name}'s answer")
    clock.set(rnd.answers_close_at)
    original = publisher.reveal_answer
    calls = 0

    async def flaky(r, answer, name):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Outage("500 on the second answer")
        return await original(r, answer, name)

    publisher.reveal_answer = flaky
    await services.grill.runner.run_due()
    clock.set((await step_of(services, rnd.id, StepKind.REVEAL)).next_attempt_at)
    await services.grill.runner.run_due()
    assert sorted(a.body for _, a, _ in publisher.reveals) == ["ann's answer", "bob's answer", "cyd's answer"]
    assert (await step_of(services, rnd.id, StepKind.REVEAL)).state is StepState.DONE


async def test_a_reminder_is_sent_once_even_when_retried(services, clock, publisher):
    rnd = await posted_round(services, clock)
    await services.grill.thread_message(rnd.id, "ann", "Ann", "answer", "m1")
    clock.set((await step_of(services, rnd.id, StepKind.REMIND)).due_at)
    publisher.fail["post_reminder"] = [Outage("500")]
    await services.grill.runner.run_due()
    assert publisher.reminders == []
    clock.set((await step_of(services, rnd.id, StepKind.REMIND)).next_attempt_at)
    await services.grill.runner.run_due()
    await services.grill.runner.run_due()
    assert [names for _, names in publisher.reminders] == [["Ann"]]


async def test_a_step_held_by_a_dead_runner_is_taken_over_after_its_lease(services, clock, publisher):
    rnd = await posted_round(services, clock)
    clock.set(rnd.closes_at)
    close = await step_of(services, rnd.id, StepKind.CLOSE)
    assert await services.steps.claim_one(close.id, "dead-process", clock.now(), clock.now() + LEASE)
    await services.grill.runner.run_due()  # the reminder runs; the close's lease still holds
    assert (await services.rounds.get(rnd.id)).state is RoundState.OPEN and publisher.results == []
    clock.advance(seconds=LEASE.total_seconds())
    assert await services.grill.runner.run_due() == 2  # the close, then the results it planned
    assert len(publisher.results) == 1
    assert not await services.steps.finish(close.id, "dead-process", clock.now())  # the old holder can't end it


async def test_a_close_waits_for_the_thread_read_back_without_spending_an_attempt(services, clock, publisher):
    rnd = await posted_round(services, clock)
    clock.set(rnd.closes_at)
    publisher.reading_back.add(rnd.id)
    await services.grill.runner.run_due()
    close = await step_of(services, rnd.id, StepKind.CLOSE)
    assert close.state is StepState.DUE and close.attempts == 0
    assert (await services.rounds.get(rnd.id)).state is RoundState.OPEN
    publisher.reading_back.clear()
    clock.set(close.next_attempt_at)
    await services.grill.runner.run_due()
    assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED


async def test_a_fault_is_shown_until_a_step_succeeds(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    publisher.fail["post_round"] = [SpaceFault("grant Send Messages to my role in #grill")]
    await services.grill.post_due(SPACE)
    await services.grill.runner.run_due()
    settings = await services.spaces.settings(SPACE)
    assert settings.fault == "grant Send Messages to my role in #grill" and not settings.paused
    assert await services.grill.retry_now(SPACE) == 1  # an admin fixed it and looked at /grill settings
    await services.grill.runner.run_due()
    assert (await services.spaces.settings(SPACE)).fault is None
    assert len(publisher.posts) == 1


async def test_a_deleted_channel_pauses_the_grill_with_the_reason(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    publisher.fail["post_round"] = [SpaceFault("the channel was deleted", pauses=True)]
    await services.grill.post_due(SPACE)
    await services.grill.runner.run_due()
    settings = await services.spaces.settings(SPACE)
    assert settings.paused and settings.fault == "the channel was deleted"
    clock.set((await services.steps.of_space(SPACE, StepState.DUE))[0].next_attempt_at)
    await services.grill.runner.run_due()  # the retry finds the grill paused and stops there
    assert await services.steps.of_space(SPACE, StepState.DUE) == [] and publisher.posts == []
    assert (await services.spaces.settings(SPACE)).fault == "the channel was deleted"  # a no-op clears nothing
    await services.grill.setup(SPACE, "channel:2", "09:00", "UTC", "daily")
    settings = await services.spaces.settings(SPACE)
    assert settings.fault is None and not settings.paused  # the fix the fault names restarts the grill


async def test_a_manual_pause_survives_a_setup_without_a_fault(services, clock):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    await services.grill.set_paused(SPACE, True)
    await services.grill.setup(SPACE, "channel:2", "10:00", "UTC", "daily")
    assert (await services.spaces.settings(SPACE)).paused


async def test_results_of_a_round_whose_channel_was_deleted_give_up_once_the_grill_moved(services, clock, publisher):
    rnd = await posted_round(services, clock)
    clock.set((await step_of(services, rnd.id, StepKind.REMIND)).due_at)
    await services.grill.runner.run_due()  # the reminder
    clock.set(rnd.closes_at)
    publisher.fail["results:0"] = [SpaceFault("the channel was deleted", pauses=True)] * 2
    await services.grill.runner.run_due()
    settings = await services.spaces.settings(SPACE)
    assert settings.paused and settings.fault == "the channel was deleted"
    await services.grill.setup(SPACE, "channel:2", "09:00", "UTC", "daily")  # the admin's fix
    results = await step_of(services, rnd.id, StepKind.RESULTS)
    clock.set(results.next_attempt_at)
    await services.grill.runner.run_due()
    results = await step_of(services, rnd.id, StepKind.RESULTS)
    assert results.state is StepState.FAILED and "channel was deleted" in (results.last_error or "")
    settings = await services.spaces.settings(SPACE)
    assert settings.fault is None and not settings.paused  # the moved grill keeps running
    assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED  # scored all the same


async def test_a_manual_post_runs_the_days_step_and_reports_a_failure(services, clock, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    await services.grill.set_paused(SPACE, True)
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    publisher.fail["post_round"] = [Outage("500")]
    with pytest.raises(Exception, match="keep retrying"):
        await services.grill.post_now(SPACE)
    rnd = await services.grill.post_now(SPACE)  # an admin tries again: the same step, now through
    assert rnd.state is RoundState.OPEN and len(publisher.posts) == 1


async def test_a_shorter_lease_frees_a_dead_runners_step_sooner(database, clock, publisher, bank):
    lease = timedelta(seconds=5)
    async with open_services(
        database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank, step_lease=lease
    ) as services:
        rnd = await posted_round(services, clock)
        clock.set(rnd.closes_at)
        close = await step_of(services, rnd.id, StepKind.CLOSE)
        assert await services.steps.claim_one(close.id, "dead-process", clock.now(), clock.now() + lease)
        clock.advance(seconds=4)
        await services.grill.runner.run_due()
        assert (await services.rounds.get(rnd.id)).state is RoundState.OPEN  # still the dead runner's
        clock.advance(seconds=1)
        await services.grill.runner.run_due()
        assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED and len(publisher.results) == 1
        assert services.grill.runner.renew_every == pytest.approx(5 / 3)  # renewed well inside the lease
