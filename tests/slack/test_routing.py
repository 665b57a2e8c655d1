"""Events, buttons and modals through Bolt: routed by their ids, each event handled once, and ids
crafted in (or for) another workspace changing nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from bot.core.models import Round
from bot.core.round_cache import RoundCache
from bot.slack_ui.refs import split_message_ref
from tests.slack.conftest import ADMIN, BOT_USER, CHANNEL, MEMBER, OTHER_TEAM, PEER, POST_SECONDS, SPACE, TEAM, Bed


@pytest.fixture
async def posted(bed: Bed) -> Round:
    """Today's round, posted in the grill channel through the Slack publisher."""
    await bed.slack.services.grill.setup(SPACE, CHANNEL, "09:00", "UTC")
    rnd = await bed.slack.services.grill.post_now(SPACE)
    bed.api.calls.clear()
    return rnd


def thread_ts(rnd: Round) -> str:
    parts = split_message_ref(rnd.thread_ref or "")
    assert parts is not None
    return parts[1]


def message_event(
    rnd: Round, user: str, text: str, n: int, event_id: str | None = None, seconds: int = POST_SECONDS, **extra: Any
) -> dict:
    """A member's reply in the round's thread, `n` minutes after `seconds`."""
    event = {
        "type": "message",
        "channel": CHANNEL,
        "user": user,
        "text": text,
        "ts": f"{seconds + 60 * n}.000100",
        "thread_ts": thread_ts(rnd),
        **extra,
    }
    return {"type": "event_callback", "team_id": TEAM, "event_id": event_id or f"Ev{n}", "event": event}


def click(action_id: str, user: str = PEER, team: str = TEAM, **extra: Any) -> dict:
    return {
        "type": "block_actions",
        "team": {"id": team},
        "user": {"id": user},
        "trigger_id": "trigger.2",
        "actions": [{"action_id": action_id, "type": "button", **extra}],
        "channel": {"id": CHANNEL},
    }


def submit(callback_id: str, metadata: str, values: dict, user: str = PEER, team: str = TEAM) -> dict:
    return {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user},
        "view": {
            "id": "V9",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values},
        },
    }


def scores(rnd: Round, value: str = "2") -> dict:
    return {f"c_{c.id}": {"score": {"selected_option": {"value": value}}} for c in rnd.question.criteria}


async def test_the_post_carries_its_buttons_metadata_and_no_link_parsing(bed: Bed):
    await bed.slack.services.grill.setup(SPACE, CHANNEL, "09:00", "UTC")
    rnd = await bed.slack.services.grill.post_now(SPACE)
    [post] = bed.api.called("chat.postMessage")
    assert post["metadata"] == {"event_type": "grill_round", "event_payload": {"round_id": rnd.id}}
    assert (post["link_names"], post["parse"], post["unfurl_links"]) in (("0", "none", "0"), (False, "none", False))
    assert f"gb:vote:{rnd.id}" in json.dumps(post["blocks"])
    assert rnd.thread_ref == rnd.message_ref and rnd.message_ref.startswith(f"{CHANNEL}:")


async def test_a_first_reply_is_the_answer_once_however_often_slack_delivers_it(bed: Bed, posted: Round):
    event = message_event(posted, MEMBER, "softmax is shift-invariant", 1)
    for _ in range(3):  # Slack redelivers an event whose ack it missed
        await bed.dispatch(event)
    answers = await bed.slack.services.rounds.answers(posted.id)
    assert [(a.member_id, a.body) for a in answers] == [(f"slack:{MEMBER}", "softmax is shift-invariant")]
    assert len(bed.api.called("reactions.add")) == 1
    await bed.dispatch(message_event(posted, MEMBER, "and a follow-up thought", 2))
    assert len(await bed.slack.services.rounds.answers(posted.id)) == 1  # a later reply is discussion


async def test_edits_count_and_a_deletion_withdraws(bed: Bed, posted: Round):
    await bed.dispatch(message_event(posted, MEMBER, "first draft", 1))
    [answer] = await bed.slack.services.rounds.answers(posted.id)
    ts = f"{POST_SECONDS + 60}.000100"
    edited = {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": "EvEdit",
        "event": {
            "type": "message",
            "subtype": "message_changed",
            "channel": CHANNEL,
            "message": {"user": MEMBER, "text": "second draft", "ts": ts, "edited": {"ts": f"{POST_SECONDS + 120}.0"}},
        },
    }
    await bed.dispatch(edited)
    assert (await bed.slack.services.rounds.answer(answer.id)).body == "second draft"
    deleted = {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": "EvDel",
        "event": {"type": "message", "subtype": "message_deleted", "channel": CHANNEL, "deleted_ts": ts},
    }
    await bed.dispatch(deleted)
    assert await bed.slack.services.rounds.answers(posted.id) == []


async def test_bot_messages_and_replies_from_another_workspace_are_not_answers(bed: Bed, posted: Round):
    await bed.dispatch(message_event(posted, BOT_USER, "I am the bot", 1))
    await bed.dispatch(message_event(posted, PEER, "a bot's relay", 2, bot_id="B0OTHER"))
    crafted = message_event(posted, MEMBER, "from elsewhere", 3)
    crafted["team_id"] = OTHER_TEAM
    await bed.dispatch(crafted)
    assert await bed.slack.services.rounds.answers(posted.id) == []


async def test_a_late_first_reply_gets_a_polite_private_note(bed: Bed, posted: Round, clock):
    clock.set(posted.answers_close_at + timedelta(minutes=1))
    await bed.dispatch(
        message_event(posted, MEMBER, "sorry I'm late", 0, seconds=int(posted.answers_close_at.timestamp()))
    )
    assert await bed.slack.services.rounds.answers(posted.id) == []
    [note] = bed.api.called("chat.postEphemeral")
    assert note["user"] == MEMBER and note["thread_ts"] == thread_ts(posted)
    assert "Answers for this question have closed" in note["text"]


async def test_vote_button_picker_and_rubric_record_a_vote(bed: Bed, posted: Round):
    await bed.dispatch(message_event(posted, MEMBER, "an answer", 1))
    [answer] = await bed.slack.services.rounds.answers(posted.id)
    await bed.dispatch(click(f"gb:vote:{posted.id}"))
    picker = bed.api.called("views.update")[-1]["view"]
    [option] = picker["blocks"][1]["elements"][0]["options"]
    assert option["value"] == str(answer.id) and "&lt;!channel&gt;" not in option["text"]["text"]  # plain text
    await bed.dispatch(
        {**click(f"gb:pick:{posted.id}", selected_option={"value": str(answer.id)}), "view": {"id": "V5"}}
    )
    rubric = bed.api.called("views.update")[-1]["view"]
    assert rubric["callback_id"] == "gb:rate" and rubric["private_metadata"] == f"{posted.id}:a:{answer.id}"
    await bed.dispatch(submit("gb:rate", rubric["private_metadata"], scores(posted)))
    votes = await bed.slack.services.rounds.votes(posted.id)
    assert [(v.voter_id, v.points) for v in votes] == [(f"slack:{PEER}", 2 * len(posted.question.criteria))]
    assert "Your vote on Mo &lt;!channel&gt;'s answer is recorded" in json.dumps(bed.views_shown()[-1])


async def test_a_rubric_missing_a_criterion_is_sent_back_with_errors(bed: Bed, posted: Round):
    partial = scores(posted)
    first = next(iter(partial))
    del partial[first]
    response = await bed.dispatch(submit("gb:rate", f"{posted.id}:a:1", partial))
    assert json.loads(response.body)["response_action"] == "errors"
    assert first in json.loads(response.body)["errors"]


async def test_self_votes_are_refused_by_the_shortcut_without_a_database_call(bed: Bed, posted: Round):
    shortcut = {
        "type": "message_action",
        "callback_id": "rate_answer",
        "team": {"id": TEAM},
        "user": {"id": MEMBER},
        "channel": {"id": CHANNEL},
        "trigger_id": "trigger.3",
        "message": {"user": MEMBER, "ts": f"{POST_SECONDS + 60}.000100", "thread_ts": thread_ts(posted)},
    }
    await bed.dispatch(shortcut)
    [opened] = bed.api.called("views.open")
    assert "You can't rate your own answer" in json.dumps(opened["view"])
    other = {**shortcut, "user": {"id": PEER}}
    await bed.dispatch(other)
    rubric = bed.api.called("views.open")[-1]["view"]
    assert rubric["private_metadata"] == f"{posted.id}:m:{CHANNEL}:{POST_SECONDS + 60}.000100"


@pytest.mark.parametrize("team", [OTHER_TEAM, TEAM])
async def test_ids_crafted_for_another_workspaces_round_change_nothing(bed: Bed, posted: Round, team: str):
    """A round of T0GRILL named from another workspace, and ids naming nothing, get one refusal."""
    await bed.dispatch(message_event(posted, MEMBER, "softmax-secret", 1))
    [answer] = await bed.slack.services.rounds.answers(posted.id)
    round_id = posted.id if team == OTHER_TEAM else 10**30  # another's round, or one SQLite can't hold
    await bed.dispatch(click(f"gb:vote:{round_id}", team=team))
    await bed.dispatch(submit("gb:rate", f"{round_id}:a:{answer.id}", scores(posted), team=team))
    await bed.dispatch(submit("gb:form", str(round_id), {"answer": {"answer": {"value": "x"}}}, team=team))
    await bed.dispatch(click(f"gb:peek:{round_id}", team=team))
    assert await bed.slack.services.rounds.votes(posted.id) == []
    assert [a.body for a in await bed.slack.services.rounds.answers(posted.id)] == ["softmax-secret"]
    said = json.dumps(bed.views_shown())
    assert "isn't one of this workspace's rounds" in said or "isn't open on this workspace" in said
    assert "softmax-secret" not in said  # nothing of the round leaks


async def test_a_non_admin_cannot_post_with_a_crafted_grill_command(bed: Bed, posted: Round):
    await bed.dispatch(bed.command("/grill", "close", user=PEER))
    assert (await bed.slack.services.rounds.get(posted.id)).state.value == "open"
    await bed.dispatch(bed.command("/grill", "settings", user=ADMIN))
    assert "Daily grill settings" in bed.said()


async def test_blind_mode_answer_button_opens_the_form_and_the_answer_stays_hidden(bed: Bed):
    await bed.slack.services.grill.setup(SPACE, CHANNEL, "09:00", "UTC", blind_mode=True)
    rnd = await bed.slack.services.grill.post_now(SPACE)
    await bed.dispatch(click(f"gb:answer:{rnd.id}", user=MEMBER))
    form = bed.api.called("views.open")[-1]["view"]
    assert form["callback_id"] == "gb:form" and form["private_metadata"] == str(rnd.id)
    assert form["blocks"][0]["element"]["max_length"] == 3000  # Slack's text input, not Discord's 4000
    await bed.dispatch(submit("gb:form", str(rnd.id), {"answer": {"answer": {"value": "hidden <!here>"}}}, MEMBER))
    [answer] = await bed.slack.services.rounds.answers(rnd.id)
    assert answer.body == "hidden <!here>" and answer.message_ref is None
    assert "It stays hidden until answers close" in json.dumps(bed.views_shown()[-1])
    assert not [p for p in bed.api.called("chat.postMessage") if p.get("thread_ts")]  # nothing in the thread yet


async def test_a_process_that_does_not_run_the_round_still_takes_its_answers_and_votes(bed: Bed, posted: Round):
    """Slack gives any socket any payload: with several processes, most hold no round in their cache
    (only the leader runs the steps), and every handler reads the round from the database."""
    bed.slack.cache = RoundCache()  # what a process that is not the leader holds
    await bed.dispatch(message_event(posted, MEMBER, "an answer", 1))
    [answer] = await bed.slack.services.rounds.answers(posted.id)
    await bed.dispatch(click(f"gb:vote:{posted.id}"))
    await bed.dispatch(
        {**click(f"gb:pick:{posted.id}", selected_option={"value": str(answer.id)}), "view": {"id": "V5"}}
    )
    rubric = bed.api.called("views.update")[-1]["view"]
    assert rubric["callback_id"] == "gb:rate" and rubric["private_metadata"] == f"{posted.id}:a:{answer.id}"
    partial = scores(posted)
    del partial[first := next(iter(partial))]
    response = await bed.dispatch(submit("gb:rate", rubric["private_metadata"], partial))
    assert json.loads(response.body)["errors"].keys() == {first}  # the rubric read from the database
    await bed.dispatch(submit("gb:rate", rubric["private_metadata"], scores(posted)))

    shortcut = {
        "type": "message_action",
        "callback_id": "rate_answer",
        "team": {"id": TEAM},
        "user": {"id": ADMIN},
        "channel": {"id": CHANNEL},
        "trigger_id": "trigger.3",
        "message": {"user": MEMBER, "ts": f"{POST_SECONDS + 60}.000100", "thread_ts": thread_ts(posted)},
    }
    await bed.dispatch(shortcut)
    assert "Loading" in json.dumps(bed.api.called("views.open")[-1]["view"])  # the trigger is used at once
    rated = bed.api.called("views.update")[-1]["view"]
    assert rated["private_metadata"] == f"{posted.id}:m:{CHANNEL}:{POST_SECONDS + 60}.000100"
    await bed.dispatch(submit("gb:rate", rated["private_metadata"], scores(posted, "1"), user=ADMIN))
    votes = await bed.slack.services.rounds.votes(posted.id)
    assert sorted(v.voter_id for v in votes) == [f"slack:{ADMIN}", f"slack:{PEER}"]
    await bed.dispatch({**shortcut, "team": {"id": OTHER_TEAM}})  # the same thread named from elsewhere
    refused = bed.api.called("views.update")[-1]["view"]
    assert "Rate answer works on answers in the thread of an open round" in json.dumps(refused)
    assert len(bed.slack.cache) == 0


async def test_the_blind_answer_form_opens_on_a_process_that_does_not_run_the_round(bed: Bed):
    await bed.slack.services.grill.setup(SPACE, CHANNEL, "09:00", "UTC", blind_mode=True)
    rnd = await bed.slack.services.grill.post_now(SPACE)
    bed.slack.cache = RoundCache()
    await bed.dispatch(click(f"gb:answer:{rnd.id}", user=MEMBER))
    assert "Loading" in json.dumps(bed.api.called("views.open")[-1]["view"])
    form = bed.api.called("views.update")[-1]["view"]
    assert form["callback_id"] == "gb:form" and form["private_metadata"] == str(rnd.id)
    await bed.dispatch(click(f"gb:answer:{rnd.id}", user=MEMBER, team=OTHER_TEAM))
    assert "isn't open on this workspace" in json.dumps(bed.api.called("views.update")[-1]["view"])


async def test_the_hint_button_shows_a_visible_questions_hint_and_says_when_there_is_none(bed: Bed):
    questions = bed.slack.services.bank.questions
    plain, hinted = [q for q in questions.values() if q.visible_in(SPACE)][:2]
    questions[plain.id] = replace(plain, hint="")
    questions[hinted.id] = replace(hinted, hint="Start from <bytes> per token & <!here>")
    for action, team in ((hinted.id, TEAM), (plain.id, TEAM), ("no-such-question", TEAM), (hinted.id, "")):
        await bed.dispatch(click(f"gb:hint:{action}", team=team))
    shown = [json.dumps(call["view"], ensure_ascii=False) for call in bed.api.called("views.open")]
    assert len(shown) == 4
    assert "💡 Start from &lt;bytes&gt; per token &amp; &lt;!here&gt;" in shown[0]
    assert "This question has no hint: start from the type's answer shape on the post." in shown[1]
    assert all("That question is no longer in the bank, so its hint is gone." in s for s in shown[2:])
