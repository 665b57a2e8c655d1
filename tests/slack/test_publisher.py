"""The Slack publisher: posts, results and reveals in the post's thread; Slack's refusals an admin can
fix become faults with the fix; a post cut short by a crash is found again by its metadata."""

from __future__ import annotations

import json

import pytest

from bot.app import NoFrontEnd, PublisherRouter
from bot.core.errors import DomainError
from bot.core.models import RoundState, StepState
from bot.slack_ui.refs import message_ref, split_message_ref
from tests.fakes import FakePublisher
from tests.slack.conftest import BOT_USER, CHANNEL, MEMBER, POST_SECONDS, SPACE, Bed


def refusing(error: str, **extra: str):
    return lambda args: {"ok": False, "error": error, **extra}


async def configured(bed: Bed) -> None:
    await bed.slack.services.grill.setup(SPACE, CHANNEL, "09:00", "UTC")


@pytest.mark.parametrize(
    ("error", "says", "pauses"),
    [
        ("not_in_channel", f"I'm not a member of <#{CHANNEL}>, so I can't post there. Run `/invite @grillbot`", False),
        ("channel_not_found", "The grill channel was deleted or archived, so the daily grill is paused.", True),
        ("is_archived", "The grill channel was deleted or archived, so the daily grill is paused.", True),
        ("missing_scope", "The Slack app lacks a permission scope (reactions:write). Update the app", False),
    ],
)
async def test_refusals_an_admin_can_fix_become_faults_with_the_fix(bed: Bed, error, says, pauses):
    await configured(bed)
    bed.api.replies["chat.postMessage"] = refusing(error, needed="reactions:write")
    with pytest.raises(DomainError):
        await bed.slack.services.grill.post_now(SPACE)
    settings = await bed.slack.services.spaces.settings(SPACE)
    assert settings.fault is not None and says in settings.fault
    assert settings.paused is pauses


async def test_other_errors_are_not_faults_but_retried(bed: Bed):
    await configured(bed)
    bed.api.replies["chat.postMessage"] = refusing("internal_error")
    with pytest.raises(DomainError, match="I could not post today's question"):
        await bed.slack.services.grill.post_now(SPACE)
    assert (await bed.slack.services.spaces.settings(SPACE)).fault is None
    [step] = await bed.slack.services.steps.of_space(SPACE, StepState.DUE)
    assert step.state.value == "due" and "internal_error" in (step.last_error or "")


async def test_find_post_adopts_the_bots_post_that_names_the_round(bed: Bed):
    await configured(bed)
    rnd = await bed.slack.services.grill.post_now(SPACE)
    ts = split_message_ref(rnd.message_ref)[1]
    history = [
        {"user": MEMBER, "ts": "1.0", "metadata": {"event_type": "grill_round", "event_payload": {"round_id": rnd.id}}},
        {"user": BOT_USER, "ts": ts, "metadata": {"event_type": "grill_round", "event_payload": {"round_id": rnd.id}}},
    ]
    bed.api.replies["conversations.history"] = {"messages": history}
    found = await bed.slack.services.grill.publisher.find_post(rnd)
    assert found == (message_ref(CHANNEL, ts), message_ref(CHANNEL, ts))  # a member's look-alike is not it
    [call] = bed.api.called("conversations.history")
    assert call["channel"] == CHANNEL and call["include_all_metadata"] in (True, "1", "true")


async def test_results_go_in_the_thread_and_the_post_loses_its_buttons(bed: Bed):
    await configured(bed)
    rnd = await bed.slack.services.grill.post_now(SPACE)
    bed.api.calls.clear()
    await bed.slack.services.grill.close_round(rnd.id)
    posts = bed.api.called("chat.postMessage")
    assert posts and all(p["thread_ts"] == split_message_ref(rnd.thread_ref)[1] for p in posts)
    assert "Results" in json.dumps(posts[0]["blocks"])
    [update] = bed.api.called("chat.update")
    assert update["ts"] == split_message_ref(rnd.message_ref)[1]
    assert "actions" not in json.dumps(update["blocks"])
    assert (await bed.slack.services.rounds.get(rnd.id)).state is RoundState.CLOSED
    assert bed.slack.cache.get(rnd.id) is None  # its forms stop opening


async def test_results_of_a_round_whose_post_is_gone_go_to_the_channel_saying_so(bed: Bed):
    await configured(bed)
    rnd = await bed.slack.services.grill.post_now(SPACE)
    bed.api.calls.clear()
    sent = []

    def post(args):
        sent.append(args)
        if args.get("thread_ts"):
            return {"ok": False, "error": "thread_not_found"}
        return {"ts": f"{POST_SECONDS}.999999"}

    bed.api.replies["chat.postMessage"] = post
    await bed.slack.services.grill.close_round(rnd.id)
    in_channel = [p for p in sent if not p.get("thread_ts")]
    assert in_channel and "post was deleted, so its results are posted here" in json.dumps(in_channel[0]["blocks"])
    assert all("post was deleted" not in json.dumps(p["blocks"]) for p in in_channel[1:])


async def test_the_router_sends_each_step_to_its_platform_and_waits_for_readiness():
    discord, slack = FakePublisher(), FakePublisher()
    router = PublisherRouter()
    router.add("discord:", discord)
    router.add("slack:", slack)
    from tests.slack.test_render import a_round

    rnd = a_round()
    await router.post_reminder(rnd, ["Ada"])
    assert slack.reminders and not discord.reminders
    assert not router.caught_up(rnd)  # Slack has not said it is connected and reading back
    router.mark_ready("slack:")
    assert router.caught_up(rnd)
    slack.reading_back.add(rnd.id)
    assert not router.caught_up(rnd)
    with pytest.raises(NoFrontEnd):
        await router.post_reminder(type(rnd)(**{**_fields(rnd), "space_id": "matrix:1"}), [])


def _fields(rnd):
    return {name: getattr(rnd, name) for name in rnd.__dataclass_fields__}
