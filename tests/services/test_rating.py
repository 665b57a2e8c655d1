"""What a vote rates, decided in the core for every platform: the answer picker, "Rate answer" on a
message (before any database call), and the vote on submit, worded for the caller's platform."""

from __future__ import annotations

import re

import pytest

from bot.core.errors import InvalidInput, NotFound, RoundClosed, SelfVote
from bot.core.round_cache import RoundCache
from bot.core.services.rating import NOT_RATEABLE, NOTHING_TO_RATE, MessageToRate, RatingForm, vote_reply
from bot.core.services.rounds import NOT_BLIND_FORM
from bot.core.services.votes import VOTING_NOT_YET
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


@pytest.fixture
async def slack(database, clock, bank):
    async with slack_services(database, clock, bank) as (services, _):
        yield services


async def answered_round(services, clock, space, members):
    rnd = await open_round(services, clock, space)
    answers = {}
    for n, member in enumerate(members):
        ts = f"1700000000.{n + 200:06d}"
        receipt = await services.grill.thread_message(rnd.id, member, member.upper(), f"{member}'s answer", ts)
        answers[member] = receipt.answer
    return rnd, answers


async def test_the_picker_offers_others_answers_fewest_votes_first_within_the_limit(slack, clock):
    rnd, answers = await answered_round(slack, clock, TEAM_A, ["ann", "bob", "cat", "dan"])
    await slack.votes.cast(TEAM_A, answers["ann"].id, "dan", "DAN", full_scores(rnd))
    await slack.votes.cast(TEAM_A, answers["ann"].id, "cat", "CAT", full_scores(rnd))
    await slack.votes.cast(TEAM_A, answers["bob"].id, "ann", "ANN", full_scores(rnd))
    offer = await slack.rating.answers_to_rate(TEAM_A, rnd.id, "dan", limit=10)
    assert [(c.name, c.votes) for c in offer.choices] == [("CAT", 0), ("BOB", 1), ("ANN", 2)]  # no own answer
    assert offer.left_out == 0 and offer.round.id == rnd.id
    short = await slack.rating.answers_to_rate(TEAM_A, rnd.id, "dan", limit=2)
    assert [c.name for c in short.choices] == ["CAT", "BOB"] and short.left_out == 1


async def test_the_picker_refuses_another_workspace_a_lone_answer_a_hidden_or_closed_round(slack, clock):
    rnd, _ = await answered_round(slack, clock, TEAM_A, ["ann"])
    with pytest.raises(NotFound, match="isn't one of this workspace's rounds"):
        await slack.rating.answers_to_rate(TEAM_B, rnd.id, "eve", limit=25)
    with pytest.raises(InvalidInput, match=re.escape(NOTHING_TO_RATE)):
        await slack.rating.answers_to_rate(TEAM_A, rnd.id, "ann", limit=25)
    clock.set(rnd.closes_at)
    with pytest.raises(RoundClosed, match="voting and answers are over"):
        await slack.rating.answers_to_rate(TEAM_A, rnd.id, "bob", limit=25)
    blind = await open_round(slack, clock, TEAM_B, blind=True)
    await slack.grill.submit_form_answer(TEAM_B, blind.id, "eve", "Eve", "hidden")
    with pytest.raises(InvalidInput, match=re.escape(VOTING_NOT_YET)):
        await slack.rating.answers_to_rate(TEAM_B, blind.id, "fay", limit=25)


async def test_a_picked_answer_opens_its_form_from_the_cache_only_in_its_workspace(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    cache = RoundCache()
    cache.remember(rnd)
    assert slack.rating.form_for_pick(cache, TEAM_A, rnd.id, "42") == RatingForm(
        rnd.id, rnd.question.criteria, answer_id=42
    )
    with pytest.raises(NotFound, match="This round isn't open on this workspace"):
        slack.rating.form_for_pick(cache, TEAM_B, rnd.id, "42")
    with pytest.raises(NotFound, match="isn't open on this server"):  # a Discord caller reads its own word
        slack.rating.form_for_pick(cache, GUILD, rnd.id, "42")
    for junk in ("0", "-1", "abc", "9223372036854775808", None):
        with pytest.raises(NotFound, match="isn't one you can rate on this workspace"):
            slack.rating.form_for_pick(cache, TEAM_A, rnd.id, junk)
    cache.forget(rnd.id)
    with pytest.raises(NotFound, match="isn't open on this workspace"):
        slack.rating.form_for_pick(cache, TEAM_A, rnd.id, "42")


async def test_rate_answer_on_a_message_checks_author_thread_and_workspace_first(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    cache = RoundCache()
    cache.remember(rnd)
    thread, ann_msg = slack_ref(POST_TS), slack_ref("1700000000.000200")
    form = slack.rating.form_for_message(cache, MessageToRate(TEAM_A, thread, "slack:UBOB", "slack:UANN", ann_msg))
    assert form == RatingForm(rnd.id, rnd.question.criteria, message_ref=ann_msg)
    revealed = slack.rating.form_for_message(
        cache, MessageToRate(TEAM_A, thread, "slack:UBOB", "slack:UBOT", ann_msg, 7)
    )
    assert revealed.answer_id == 7 and revealed.message_ref is None  # the bot's message shows answer 7
    with pytest.raises(SelfVote, match="can't rate your own answer"):
        slack.rating.form_for_message(cache, MessageToRate(TEAM_A, thread, "slack:UANN", "slack:UANN", ann_msg))
    for space, where in ((TEAM_B, thread), (TEAM_A, slack_ref("1700000099.000000"))):
        with pytest.raises(InvalidInput, match=re.escape(NOT_RATEABLE)):
            slack.rating.form_for_message(cache, MessageToRate(space, where, "slack:UBOB", "slack:UANN", ann_msg))


async def test_a_submitted_rating_is_checked_again_and_replied_to(slack, clock):
    rnd, answers = await answered_round(slack, clock, TEAM_A, ["ann", "bob"])
    rated = await slack.rating.rate(TEAM_A, rnd.id, "bob", "Bob", full_scores(rnd, 1), message_ref="1700000000.000200")
    assert rated.receipt.answer.id == answers["ann"].id and rated.author_name == "ANN"
    total = 2 * len(rnd.question.criteria)
    assert vote_reply("ANN", rated.receipt) == f"Your vote on ANN's answer is recorded: {total // 2}/{total}."
    again = await slack.rating.rate(TEAM_A, rnd.id, "bob", "Bob", full_scores(rnd), answer_id=answers["ann"].id)
    assert vote_reply("ANN", again.receipt) == (
        f"Your vote on ANN's answer is updated (it replaces your earlier one): {total}/{total}."
    )
    with pytest.raises(NotFound, match="isn't one you can rate on this workspace"):
        await slack.rating.rate(TEAM_B, rnd.id, "eve", "Eve", full_scores(rnd), answer_id=answers["ann"].id)
    with pytest.raises(NotFound, match="isn't one you can rate on this workspace"):
        await slack.rating.rate(TEAM_A, rnd.id, "eve", "Eve", full_scores(rnd))  # a form naming nothing
    with pytest.raises(SelfVote):
        await slack.rating.rate(TEAM_A, rnd.id, "ann", "Ann", full_scores(rnd), answer_id=answers["ann"].id)


async def test_the_answer_button_opens_its_form_only_for_a_blind_round_of_the_callers_workspace(slack, clock):
    blind = await open_round(slack, clock, TEAM_A, blind=True)
    in_thread = await open_round(slack, clock, TEAM_B)
    cache = RoundCache()
    for rnd in (blind, in_thread):
        cache.remember(rnd)
    assert slack.grill.answer_form(cache, TEAM_A, blind.id).round_id == blind.id
    with pytest.raises(NotFound, match="This round isn't open on this workspace"):
        slack.grill.answer_form(cache, TEAM_B, blind.id)
    with pytest.raises(InvalidInput, match=re.escape(NOT_BLIND_FORM)):
        slack.grill.answer_form(cache, TEAM_B, in_thread.id)


async def test_a_process_without_the_round_in_its_cache_reads_it_from_the_database(slack, clock):
    """Slack gives any socket any payload: a process that does not run a round's steps (an empty cache)
    opens the same forms, and refuses the same crafted ids, by reading through to the database."""
    rnd = await open_round(slack, clock, TEAM_A)
    other = await open_round(slack, clock, TEAM_B, blind=True)  # the same thread ref in another workspace
    empty = RoundCache()
    thread, ann_msg = slack_ref(POST_TS), slack_ref("1700000000.000200")
    picked = await slack.rating.read_form_for_pick(empty, TEAM_A, rnd.id, "42")
    assert picked == RatingForm(rnd.id, rnd.question.criteria, answer_id=42)
    rated = await slack.rating.read_form_for_message(
        empty, MessageToRate(TEAM_A, thread, "slack:UBOB", "slack:UANN", ann_msg)
    )
    assert rated == RatingForm(rnd.id, rnd.question.criteria, message_ref=ann_msg)
    in_b = await slack.rating.read_form_for_message(
        empty, MessageToRate(TEAM_B, thread, "slack:UBOB", "slack:UANN", ann_msg)
    )
    assert in_b.round_id == other.id  # each workspace finds its own round behind the shared ref
    assert (await slack.grill.open_answer_form(empty, TEAM_B, other.id)).round_id == other.id
    assert await slack.grill.round_in_thread(empty, TEAM_A, thread) == rnd.id
    assert len(empty) == 0  # a read-through fills nothing: only the rounds this process runs are cached

    with pytest.raises(NotFound, match="This round isn't open on this workspace"):
        await slack.rating.read_form_for_pick(empty, TEAM_B, rnd.id, "42")  # another workspace's round
    for junk in (0, -1, 9223372036854775807):
        with pytest.raises(NotFound, match="This round isn't open on this workspace"):
            await slack.grill.open_round(empty, TEAM_A, junk)
    with pytest.raises(InvalidInput, match=re.escape(NOT_BLIND_FORM)):
        await slack.grill.open_answer_form(empty, TEAM_A, rnd.id)
    with pytest.raises(SelfVote):
        await slack.rating.read_form_for_message(
            empty, MessageToRate(TEAM_A, thread, "slack:UANN", "slack:UANN", ann_msg)
        )
    elsewhere = slack_ref("1700000099.000000")
    with pytest.raises(InvalidInput, match=re.escape(NOT_RATEABLE)):
        await slack.rating.read_form_for_message(
            empty, MessageToRate(TEAM_A, elsewhere, "slack:UBOB", "slack:UANN", ann_msg)
        )
    assert await slack.grill.round_in_thread(empty, TEAM_A, elsewhere) is None

    await slack.grill.close_round(rnd.id)
    with pytest.raises(NotFound, match="This round isn't open on this workspace"):
        await slack.rating.read_form_for_pick(empty, TEAM_A, rnd.id, "42")
    with pytest.raises(InvalidInput, match=re.escape(NOT_RATEABLE)):
        await slack.rating.read_form_for_message(
            empty, MessageToRate(TEAM_A, thread, "slack:UBOB", "slack:UANN", ann_msg)
        )
    assert await slack.grill.round_in_thread(empty, TEAM_A, thread) == rnd.id  # a late reply is still refused


async def test_the_cache_answers_first_when_it_holds_the_round(slack, clock):
    rnd = await open_round(slack, clock, TEAM_A)
    cache = RoundCache()
    cache.remember(rnd)
    await slack.grill.close_round(rnd.id)  # the database moved on; the cache is what this process posted
    assert (await slack.grill.open_round(cache, TEAM_A, rnd.id)).round_id == rnd.id  # no read: submit re-checks
    with pytest.raises(NotFound):
        await slack.grill.open_round(cache, TEAM_B, rnd.id)  # another workspace misses, then the database refuses
