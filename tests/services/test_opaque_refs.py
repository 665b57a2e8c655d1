"""Message refs are opaque text scoped by space: Slack's `<channel>:<ts>` round-trips exactly, two
workspaces may hold the same ref, and the read-back cursor orders a thread's refs without casting."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.core.services.rounds import AnswerOutcome
from bot.core.services.votes import NOT_AN_ANSWER
from tests.services.slack_shaped import (
    GUILD,
    POST_TS,
    TEAM_A,
    TEAM_B,
    full_scores,
    open_round,
    slack_ref,
    slack_services,
)

ANN_TS, BOB_TS = "1700000000.000200", "1700000000.000300"  # the same second: only the decimals differ


@pytest.fixture
async def slack(database, clock, bank):
    async with slack_services(database, clock, bank) as (services, _):
        yield services


async def answer(services, rnd, member, ts, body):
    """`member`'s thread reply at `ts`; their display name is the part after `slack:U`."""
    return await services.grill.thread_message(rnd.id, member, member.removeprefix("slack:U"), body, slack_ref(ts))


async def test_a_slack_ts_round_trips_exactly(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    assert (rnd.message_ref, rnd.thread_ref) == (slack_ref(POST_TS), slack_ref(POST_TS))
    receipt = await answer(slack, rnd, "slack:UANN", "1700000000.100000", "trailing zeros stay")
    assert receipt.answer.message_ref == "C0GRILL01:1700000000.100000"
    found = await slack.rounds.answer_by_message(TEAM_A, "C0GRILL01:1700000000.100000")
    assert found.id == receipt.answer.id
    assert await slack.rounds.answer_by_message(TEAM_A, "C0GRILL01:1700000000.1") is None  # not a number


async def test_two_workspaces_with_the_same_refs_never_touch_each_other(slack, clock):
    in_a = await open_round(slack, clock, TEAM_A)
    in_b = await open_round(slack, clock, TEAM_B)
    assert in_a.thread_ref == in_b.thread_ref  # the same channel id and ts in two workspaces
    ann = (await answer(slack, in_a, "slack:UANN", ANN_TS, "A's answer")).answer
    eve = (await answer(slack, in_b, "slack:UEVE", ANN_TS, "B's answer")).answer
    assert (await slack.rounds.answer_by_message(TEAM_A, slack_ref(ANN_TS))).id == ann.id
    assert (await slack.rounds.answer_by_message(TEAM_B, slack_ref(ANN_TS))).id == eve.id
    assert await slack.rounds.answer_by_message(GUILD, slack_ref(ANN_TS)) is None

    edited = await slack.grill.message_edited(TEAM_B, slack_ref(ANN_TS), "B's better answer")
    assert edited.outcome is AnswerOutcome.UPDATED and edited.answer.id == eve.id
    assert (await slack.rounds.answer(ann.id)).body == "A's answer"
    await slack.grill.message_deleted(TEAM_A, slack_ref(ANN_TS))
    assert await slack.rounds.answer(ann.id) is None
    assert (await slack.rounds.answer(eve.id)).body == "B's better answer"


async def test_rate_answer_by_message_finds_only_the_callers_workspace_answer(slack, clock):
    in_a = await open_round(slack, clock, TEAM_A)
    in_b = await open_round(slack, clock, TEAM_B)
    await answer(slack, in_a, "slack:UANN", ANN_TS, "A's answer")
    eve = (await answer(slack, in_b, "slack:UEVE", ANN_TS, "B's answer")).answer
    clock.advance(minutes=5)
    rated = await slack.rating.rate(
        TEAM_B, in_b.id, "slack:UBOB", "Bob", full_scores(in_b), message_ref=slack_ref(ANN_TS)
    )
    assert rated.receipt.answer.id == eve.id and rated.author_name == "EVE"
    with pytest.raises(InvalidInput, match=NOT_AN_ANSWER):  # B's message ref, named with A's round
        await slack.rating.rate(TEAM_B, in_a.id, "slack:UBOB", "Bob", full_scores(in_a), message_ref=slack_ref(ANN_TS))


async def test_the_read_back_cursor_advances_through_one_seconds_slack_messages(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    for ts in ("1700000000.000300", "1700000000.000200", "1700000001.000000", "1699999999.999999"):
        await slack.grill.record_seen(rnd.id, slack_ref(ts))
    assert await slack.rounds.seen_message(rnd.id) == slack_ref("1700000001.000000")  # the latest, never back


async def test_the_read_back_cursor_orders_snowflakes_of_different_lengths(services, clock):
    await services.grill.setup(GUILD, "10", "09:00", "UTC", "daily")
    rnd = await services.grill.post_daily(GUILD)
    for ref in ("999999999999999999", "1000000000000000000", "99999999999999999"):
        await services.grill.record_seen(rnd.id, ref)
    assert await services.rounds.seen_message(rnd.id) == "1000000000000000000"
