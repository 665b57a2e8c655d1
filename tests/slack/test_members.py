"""Members' commands through Bolt: drills in modals, /framework, /leaderboard, /me, the App Home tab;
and the front end's start, refused with the fix when Slack refuses a token."""

from __future__ import annotations

import json

import pytest

from bot.app import FrontEndRefused
from bot.settings import Settings
from bot.slack_ui.app import SlackFrontEnd
from bot.slack_ui.home import ME_USAGE
from tests.slack.conftest import MEMBER, PEER, SPACE, TEAM, Bed


def view_of(call: dict) -> str:
    return json.dumps(call["view"])


async def test_a_drill_opens_at_once_then_stores_the_answer_before_showing_the_key_points(bed: Bed):
    await bed.dispatch(bed.command("/drill", "type=coding", user=MEMBER))
    [opened] = bed.api.called("views.open")
    assert opened["trigger_id"] == "trigger.1" and "Loading" in view_of(opened)
    question_view = bed.api.called("views.update")[-1]["view"]
    assert question_view["callback_id"] == "gb:drillans"
    question_id = question_view["private_metadata"]
    assert bed.slack.services.bank.questions[question_id].type == "coding"
    submitted = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": MEMBER},
        "view": {
            "id": "V7",
            "type": "modal",
            "callback_id": "gb:drillans",
            "private_metadata": question_id,
            "state": {"values": {"answer": {"answer": {"value": "my <!here> answer"}}}},
        },
    }
    response = await bed.dispatch(submitted)
    assert json.loads(response.body)["response_action"] == "update"  # the result, in the ack itself
    feedback = json.loads(response.body)["view"]
    text = json.dumps(feedback)
    assert "my &lt;!here&gt; answer" in text and "Key points" in text
    actions = [e["action_id"] for b in feedback["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions[0].startswith("gb:drillscore:") and actions[1].startswith("gb:share:")
    drill_id = int(actions[1].removeprefix("gb:share:"))
    stored = await bed.slack.services.drills.drill_answer(SPACE, f"slack:{MEMBER}", drill_id)
    assert stored.answer == "my <!here> answer"


async def test_a_drill_filter_the_core_refuses_says_why(bed: Bed):
    await bed.dispatch(bed.command("/drill", "type=poetry", user=MEMBER))
    assert "Unknown question type 'poetry'" in view_of(bed.api.called("views.update")[-1])


async def test_framework_names_the_types_when_given_none_or_a_wrong_one(bed: Bed):
    await bed.dispatch(bed.command("/framework", "poetry", user=MEMBER))
    await bed.dispatch(bed.command("/framework", "coding", user=MEMBER))
    wrong, right = bed.api.called("views.open")
    assert "`poetry` is not a question type" in view_of(wrong) and "research_judgment" in view_of(wrong)
    assert "the answer framework" in view_of(right)


async def test_leaderboard_is_posted_in_the_channel_and_bad_options_are_named(bed: Bed):
    await bed.dispatch(bed.command("/leaderboard", "period=week", user=MEMBER))
    [board] = bed.api.responses
    assert board["response_type"] == "in_channel" and "Leaderboard" in json.dumps(board["blocks"])
    await bed.dispatch(bed.command("/leaderboard", "period=year", user=MEMBER))
    assert "period takes week, month or all" in bed.said()


async def test_me_hide_show_forget_and_the_usage(bed: Bed):
    await bed.dispatch(bed.command("/me", "hide", user=MEMBER))
    assert await bed.slack.services.spaces.is_hidden(SPACE, f"slack:{MEMBER}")
    await bed.dispatch(bed.command("/me", "show", user=MEMBER))
    assert not await bed.slack.services.spaces.is_hidden(SPACE, f"slack:{MEMBER}")
    await bed.dispatch(bed.command("/me", "forget", user=MEMBER))
    await bed.dispatch(bed.command("/me", "dance", user=MEMBER))
    said = bed.said()
    assert "Nothing deleted. Run `/me forget DELETE` to delete." in said
    assert ME_USAGE.split(":")[0] in said


async def test_me_export_uploads_the_members_data_to_their_dm(bed: Bed):
    bed.api.replies["files.getUploadURLExternal"] = {"upload_url": f"{bed.api.base}/response/upload", "file_id": "F1"}
    bed.api.replies["files.completeUploadExternal"] = {"files": [{"id": "F1"}]}
    await bed.dispatch(bed.command("/me", "export", user=MEMBER))
    [complete] = bed.api.called("files.completeUploadExternal")
    assert complete["channel_id"] == "D0DM"
    assert bed.api.called("conversations.open") == [{"users": MEMBER}]
    assert "your data is in <#D0DM>" in bed.said()


async def test_the_home_tab_shows_the_members_stats_and_the_weeks_board(bed: Bed):
    await bed.dispatch(
        {
            "type": "event_callback",
            "team_id": TEAM,
            "event_id": "EvHome",
            "event": {"type": "app_home_opened", "user": PEER, "tab": "home"},
        }
    )
    [published] = bed.api.called("views.publish")
    assert published["user_id"] == PEER
    text = json.dumps(published["view"])
    assert "Pia: practice stats" in text and "Leaderboard" in text
    assert len(published["view"]["blocks"]) <= 100


@pytest.mark.parametrize(
    ("method", "says"), [("auth.test", "SLACK_BOT_TOKEN"), ("apps.connections.open", "SLACK_APP_TOKEN")]
)
async def test_a_token_slack_refuses_stops_the_front_end_with_the_fix(bed: Bed, method, says):
    bed.api.replies[method] = lambda args: {"ok": False, "error": "invalid_auth"}
    settings = Settings(
        slack_bot_token="xoxb-secret", slack_app_token="xapp-secret", slack_api_base=f"{bed.api.base}/api"
    )
    front_end = SlackFrontEnd(settings, bed.slack.runtime)
    with pytest.raises(FrontEndRefused) as refused:
        await front_end.serve()
    await front_end.close()
    assert f"Slack refused {says} (invalid_auth)" in str(refused.value)
    assert "secret" not in str(refused.value)


async def test_the_heartbeat_is_written_while_the_socket_is_open(bed: Bed, db_path):
    from types import SimpleNamespace

    from bot.storage.health import read_heartbeat

    settings = Settings(slack_bot_token="xoxb-1", slack_app_token="xapp-1", slack_api_base=f"{bed.api.base}/api")
    front_end = SlackFrontEnd(settings, bed.slack.runtime)
    assert await front_end._socket_state() == (False, False, 0.0)  # not connected yet
    assert not await front_end.heartbeat.beat_with(front_end._socket_state)
    connected = [True]

    async def is_connected() -> bool:
        return connected[0]

    front_end.handler = SimpleNamespace(client=SimpleNamespace(is_connected=is_connected))  # type: ignore[assignment]
    assert await front_end.heartbeat.beat_with(front_end._socket_state)
    assert read_heartbeat(db_path) == bed.slack.services.clock.now()
