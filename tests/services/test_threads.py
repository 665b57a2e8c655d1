"""A round's thread, decided in the core: live messages, and the read-back after an outage, where the
platform only fetches (the recorded answers' messages, then the thread after the cursor)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.core.services.rounds import AnswerOutcome
from bot.core.services.threads import ThreadMessage
from tests.services.slack_shaped import GUILD, TEAM_A, TEAM_B, open_round, slack_ref, slack_services


@pytest.fixture
async def slack(database, clock, bank):
    async with slack_services(database, clock, bank) as (services, _):
        yield services


def message(rnd, member, ts, body, *, minutes=1, edited_after=None):
    sent = rnd.opened_at + timedelta(minutes=minutes)
    edited = sent + timedelta(minutes=edited_after) if edited_after is not None else None
    return ThreadMessage(slack_ref(ts), member, member.upper(), body, sent, edited)


async def test_a_first_message_is_the_answer_and_a_later_one_discussion(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    first = await slack.threads.take(rnd.id, message(rnd, "ann", "1700000000.000200", "my answer"))
    assert first.new_answer and first.refusal is None and first.receipt.answer.body == "my answer"
    second = await slack.threads.take(rnd.id, message(rnd, "ann", "1700000000.000300", "more"))
    assert not second.new_answer and second.receipt.outcome is AnswerOutcome.DISCUSSION
    assert await slack.rounds.seen_message(rnd.id) == slack_ref("1700000000.000300")


async def test_a_late_or_oversized_answer_is_refused_with_a_reason_and_read_past(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    too_long = await slack.threads.take(rnd.id, message(rnd, "ann", "1700000000.000200", "x" * 3001))
    assert too_long.refusal == (
        "Your answer is 3001 characters; the limit is 3000. Trim it to the points that matter and send it again."
    )
    clock.set(rnd.closes_at + timedelta(minutes=1))  # Slack can't lock the thread: a reply after close
    late = replace(message(rnd, "bob", "1700000100.000000", "late"), sent_at=clock.now())
    taken = await slack.threads.take(rnd.id, late)
    assert taken.receipt is None and "Answers for this question have closed" in taken.refusal
    assert await slack.rounds.answers(rnd.id) == []
    assert await slack.rounds.seen_message(rnd.id) == slack_ref("1700000100.000000")  # not refused twice


async def test_the_answer_limit_is_the_platforms(slack, clock):
    await slack.grill.setup(GUILD, "10", "09:00", "UTC", "daily")
    on_discord = await slack.grill.post_daily(GUILD)
    taken = await slack.threads.take(on_discord.id, message(on_discord, "ann", "1", "x" * 3500))
    assert taken.new_answer  # Discord's form takes 4,000 characters


async def test_plans_cover_one_platforms_live_thread_rounds_and_hold_their_close(slack, clock):
    in_a = await open_round(slack, clock, TEAM_A)
    in_b = await open_round(slack, clock, TEAM_B, blind=True)  # answers by form: nothing to read back
    await slack.grill.setup(GUILD, "10", "09:00", "UTC", "daily")
    on_discord = await slack.grill.post_daily(GUILD)
    await slack.threads.take(in_a.id, message(in_a, "ann", "1700000000.000200", "ann's answer"))
    (plan,) = await slack.threads.plans("slack:")
    assert plan.round.id == in_a.id and plan.after == slack_ref("1700000000.000200")
    assert plan.recheck == (slack_ref("1700000000.000200"),)
    assert not slack.threads.caught_up(in_a.id) and slack.threads.caught_up(in_b.id)
    assert slack.threads.caught_up(on_discord.id)  # Slack's read-back never holds a Discord round
    slack.threads.done(in_a.id)
    assert slack.threads.caught_up(in_a.id)
    (fresh,) = [p for p in await slack.threads.plans("discord:")]
    assert fresh.round.id == on_discord.id and fresh.after == on_discord.message_ref and fresh.recheck == ()


async def test_reconcile_withdraws_updates_adds_and_refuses_what_happened_while_away(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    ann, bob, cat = "1700000000.000200", "1700000000.000300", "1700000000.000400"
    for member, ts in (("ann", ann), ("bob", bob), ("cat", cat)):
        await slack.threads.take(rnd.id, message(rnd, member, ts, f"{member}'s answer"))
    (plan,) = await slack.threads.plans("slack:")
    clock.set(rnd.answers_close_at + timedelta(minutes=5))  # read back after answers closed
    current = {
        slack_ref(ann): None,  # deleted while away
        slack_ref(bob): message(rnd, "bob", bob, "bob's better answer", edited_after=30),
        # cat's message could not be fetched: left as recorded
    }
    since = [
        message(rnd, "dan", "1700000500.000000", "dan's answer", minutes=10),
        message(rnd, "dan", "1700000600.000000", "dan again: discussion", minutes=11),
        replace(message(rnd, "eve", "1700000700.000000", "eve, too late"), sent_at=rnd.answers_close_at),
    ]
    report = await slack.threads.reconcile(plan, current, since)
    assert (report.read, report.added, report.updated, report.withdrawn) == (3, 1, 1, 1)
    assert [(m.member_id, "have closed" in text) for m, text in report.refusals] == [("eve", True)]
    bodies = {a.member_id: a.body for a in await slack.rounds.answers(rnd.id)}
    assert bodies == {"bob": "bob's better answer", "cat": "cat's answer", "dan": "dan's answer"}
    assert await slack.rounds.seen_message(rnd.id) == slack_ref("1700000700.000000")
    again = await slack.threads.reconcile(plan, {}, since)  # a second read-back of the same history
    assert (again.added, again.updated) == (0, 0) and len(again.refusals) == 1


async def test_reconcile_reads_at_most_the_plans_limit(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    (plan,) = await slack.threads.plans("slack:")
    flood = [message(rnd, f"m{n}", f"1700000{n:03d}.000000", "answer") for n in range(5)]
    report = await slack.threads.reconcile(replace(plan, limit=3), {}, flood)
    assert (report.read, report.added) == (3, 3)
    assert len(await slack.rounds.answers(rnd.id)) == 3


async def test_a_reply_in_a_closed_rounds_thread_is_refused_or_kept_as_discussion(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    await slack.threads.take(rnd.id, message(rnd, "ann", "1700000000.000200", "ann's answer"))
    await slack.grill.close_round(rnd.id)  # Slack leaves the thread open: replies keep coming
    late = replace(message(rnd, "bob", "1700090000.000000", "my answer"), sent_at=clock.now())
    refused = await slack.threads.take(rnd.id, late)
    assert refused.refusal.startswith("Answers for this question have closed, so this one can't count.")
    chat = await slack.threads.take(rnd.id, replace(late, member_id="ann", ref=slack_ref("1700090001.000000")))
    assert chat.refusal is None and chat.receipt.outcome is AnswerOutcome.DISCUSSION
    assert [a.member_id for a in await slack.rounds.answers(rnd.id)] == ["ann"]
