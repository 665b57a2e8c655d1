"""The Slack double itself, driven by the real slack_sdk AsyncWebClient and slack_bolt's
AsyncSocketModeHandler (no bot process): what the e2e suite relies on, shown to work and to fail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.e2e_slack.conftest import Workspace
from tests.e2e_slack.fake_slack import FakeSlack
from tests.e2e_slack.harness import Harness
from tests.e2e_slack.payloads import event_callback
from tests.e2e_slack.slack_state import Message

pytestmark = pytest.mark.e2e

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


def client_for(slack: Harness, **options: Any) -> AsyncWebClient:
    return AsyncWebClient(token=slack.fake.bot_token, base_url=slack.fake.api_base, **options)


HANDLERS: list[AsyncSocketModeHandler] = []


@pytest.fixture
async def app(slack: Harness) -> AsyncIterator[AsyncApp]:
    """A Bolt app whose Socket Mode handlers (made by `connect`) are closed after the test."""
    yield AsyncApp(client=client_for(slack))
    while HANDLERS:
        await HANDLERS.pop().close_async()


async def connect(slack: Harness, app: AsyncApp) -> AsyncSocketModeHandler:
    """Bolt's AsyncSocketModeHandler on the double, once `hello` arrived."""
    handler = AsyncSocketModeHandler(app, slack.fake.app_token)
    HANDLERS.append(handler)
    await handler.connect_async()
    await slack.wait_until(lambda: slack.socket.hellos, what="hello")
    return handler


async def test_web_api_answers_like_slack(slack: Harness, workspace: Workspace) -> None:
    client = client_for(slack)
    assert (await client.auth_test())["user_id"] == "U0BOT"
    posted = await client.chat_postMessage(
        channel=workspace.grill.id,
        text="question",
        blocks=[SECTION],
        metadata={"event_type": "grill_round", "event_payload": {"round_id": 7}},
    )
    reply = await client.chat_postMessage(channel=workspace.grill.id, thread_ts=posted["ts"], text="in the thread")
    assert float(reply["ts"]) > float(posted["ts"])

    history = await client.conversations_history(channel=workspace.grill.id, include_all_metadata=True)
    (parent,) = history["messages"]
    assert parent["metadata"]["event_payload"] == {"round_id": 7} and parent["reply_count"] == 1
    plain = await client.conversations_history(channel=workspace.grill.id)
    assert "metadata" not in plain["messages"][0]
    thread = await client.conversations_replies(channel=workspace.grill.id, ts=posted["ts"])
    assert [m["text"] for m in thread["messages"]] == ["question", "in the thread"]

    with pytest.raises(SlackApiError) as too_many:
        await client.chat_postMessage(channel=workspace.grill.id, text="x", blocks=[SECTION] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as outsider:
        await client.chat_postMessage(channel=slack.add_channel("elsewhere", bot_member=False).id, text="x")
    assert outsider.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as wrong_token:
        await AsyncWebClient(token="xoxb-wrong", base_url=slack.fake.api_base).auth_test()
    assert wrong_token.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("chat.scheduleMessage", json={"channel": workspace.grill.id, "text": "later"})
    assert unknown.value.response["error"] == "unknown_method"
    assert [c.method for c in slack.api.unknown] == ["chat.scheduleMessage"]
    user = (await client.users_info(user=workspace.admin.id))["user"]
    assert user["is_admin"] and user["profile"]["display_name"] == "alice"


async def test_history_pages_with_a_cursor(slack: Harness, workspace: Workspace) -> None:
    client = client_for(slack)
    for n in range(5):
        await client.chat_postMessage(channel=workspace.grill.id, text=f"post {n}")
    first = await client.conversations_history(channel=workspace.grill.id, limit=3)
    assert [m["text"] for m in first["messages"]] == ["post 4", "post 3", "post 2"] and first["has_more"]
    rest = await client.conversations_history(
        channel=workspace.grill.id, limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["post 1", "post 0"] and not rest["has_more"]
    newer = await client.conversations_history(channel=workspace.grill.id, oldest=first["messages"][1]["ts"])
    assert [m["text"] for m in newer["messages"]] == ["post 4"]


async def test_injected_429s_are_retried_by_the_sdk_handler(slack: Harness, workspace: Workspace) -> None:
    slack.api.fail("chat.postMessage", 429, times=2, retry_after=0)
    client = client_for(slack, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)])
    await client.chat_postMessage(channel=workspace.grill.id, text="through the limit")
    assert [c.status for c in slack.api.calls("chat.postMessage")] == [429, 429, 200]
    slack.api.fail("chat.update", 429)
    with pytest.raises(SlackApiError) as limited:  # without the handler the error reaches the caller
        await client_for(slack).chat_update(channel=workspace.grill.id, ts="1.0", text="x")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "0"


async def test_views_refuse_used_and_expired_triggers_and_oversized_modals(slack: Harness) -> None:
    client = client_for(slack)
    user = slack.add_user("carol").user
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Rate answer"}, "blocks": [SECTION]}
    trigger = slack.state.new_trigger(user.id)
    opened = await client.views_open(trigger_id=trigger, view=modal)
    assert opened["view"]["id"] in slack.state.views
    expected = {
        "exchanged_trigger_id": (trigger, modal),
        "invalid_trigger_id": ("nope", modal),
    }
    stale = slack.state.new_trigger(user.id)
    slack.state.triggers[stale].issued -= 3.1
    expected["expired_trigger_id"] = (stale, modal)
    long_title = modal | {"title": {"type": "plain_text", "text": "x" * 25}}
    expected["invalid_arguments"] = (slack.state.new_trigger(user.id), long_title)
    for error, (trigger_id, view) in expected.items():
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id=trigger_id, view=view)
        assert refused.value.response["error"] == error
    for oversized in (modal | {"blocks": [SECTION] * 101}, modal | {"private_metadata": "m" * 3001}):
        with pytest.raises(SlackApiError) as refused:
            await client.views_open(trigger_id=slack.state.new_trigger(user.id), view=oversized)
        assert "[json-pointer:/view/" in refused.value.response["response_metadata"]["messages"][0]
    updated = await client.views_update(view_id=opened["view"]["id"], view=modal | {"private_metadata": "round:1"})
    assert updated["view"]["private_metadata"] == "round:1"
    home = await client.views_publish(user_id=user.id, view={"type": "home", "blocks": [SECTION]})
    assert slack.fake.views.homes[user.id].id == home["view"]["id"]


async def test_files_upload_v2_lands_in_the_thread(slack: Harness, workspace: Workspace) -> None:
    client = client_for(slack)
    parent = await client.chat_postMessage(channel=workspace.grill.id, text="stats")
    await client.files_upload_v2(
        channel=workspace.grill.id, thread_ts=parent["ts"], content=b"\x89PNG chart", filename="chart.png"
    )
    (upload,) = slack.state.files.values()
    assert upload.data == b"\x89PNG chart" and upload.thread_ts == parent["ts"]
    assert [c.method for c in slack.api.calls() if c.method.startswith("files.")] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


async def test_bolt_gets_hello_acks_commands_and_replies_by_response_url(
    slack: Harness, workspace: Workspace, app: AsyncApp
) -> None:
    @app.command("/grill")
    async def grill(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(text=f"you said {command['text']}")

    await connect(slack, app)
    done = await workspace.admin.runs("/grill setup 09:00")
    assert (await done.reply()).text == "you said setup 09:00"
    await done.ack()
    assert done.latency is not None and done.latency < 2.5
    assert [c.method for c in slack.api.calls("apps.connections.open")] == ["apps.connections.open"]


async def test_a_late_ack_is_caught(slack: Harness, workspace: Workspace, app: AsyncApp) -> None:
    @app.command("/grill")
    async def slow(ack: Any) -> None:
        await asyncio.sleep(2.7)  # what a database call before ack() looks like on a bad day
        await ack()

    await connect(slack, app)
    late = await workspace.member.runs("/grill post")
    await late.ack(within=5)
    assert slack.socket.slow(2.5) == [late.envelope]


async def test_clicks_and_submits_are_built_from_what_the_app_sent(
    slack: Harness, workspace: Workspace, app: AsyncApp
) -> None:
    seen: dict[str, Any] = {}
    rubric = {
        "type": "modal",
        "callback_id": "rate",
        "title": {"type": "plain_text", "text": "Rate answer"},
        "submit": {"type": "plain_text", "text": "Vote"},
        "private_metadata": "answer:3",
        "blocks": [
            {
                "type": "input",
                "block_id": "clarity",
                "label": {"type": "plain_text", "text": "Clarity"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "score",
                    "options": [{"text": {"type": "plain_text", "text": str(n)}, "value": str(n)} for n in range(3)],
                },
            }
        ],
    }

    @app.action("vote:1")
    async def vote(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen["value"] = body["actions"][0]["value"]
        await client.views_open(trigger_id=body["trigger_id"], view=rubric)

    @app.view("rate")
    async def rate(ack: Any, view: dict[str, Any]) -> None:
        score = view["state"]["values"]["clarity"]["score"]["selected_option"]
        if score is None:
            await ack(response_action="errors", errors={"clarity": "Pick 0, 1 or 2"})
            return
        seen["score"] = (view["private_metadata"], score["value"])
        await ack()

    await connect(slack, app)
    posted = await client_for(slack).chat_postMessage(
        channel=workspace.grill.id,
        text="question",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "vote:1",
                        "value": "round-1",
                        "text": {"type": "plain_text", "text": "Vote"},
                    }
                ],
            }
        ],
    )
    post = slack.state.find_message(workspace.grill.id, posted["ts"])
    assert isinstance(post, Message)
    click = await workspace.member.clicks(post, label="Vote")
    view = await click.view()
    assert seen["value"] == "round-1"
    empty = await workspace.member.submits(view, {})
    assert await empty.errors() == {"clarity": "Pick 0, 1 or 2"}
    assert not view.closed
    done = await workspace.member.submits(view, {"score": "2"})
    assert await done.errors() == {}
    assert seen["score"] == ("answer:3", "2")
    await slack.wait_until(lambda: view.closed, what="the modal to close")
    with pytest.raises(LookupError):
        await workspace.member.submits(view, {"not-an-input": "1"})


async def test_refresh_requested_reconnects(slack: Harness, workspace: Workspace, app: AsyncApp) -> None:
    got: list[str] = []

    @app.command("/grill")
    async def grill(ack: Any, command: dict[str, Any]) -> None:
        await ack()
        got.append(command["text"])

    await connect(slack, app)
    await slack.refresh_connection()
    await slack.wait_until(lambda: slack.socket.hellos == 2 and len(slack.socket.connections) == 1, within=10)
    assert len(slack.api.calls("apps.connections.open")) == 2
    await (await workspace.member.runs("/grill after refresh")).ack()
    assert got == ["after refresh"]


async def test_an_outage_loses_events_until_the_client_is_back(
    slack: Harness, workspace: Workspace, app: AsyncApp
) -> None:
    got: list[str] = []

    @app.event("message")
    async def message(event: dict[str, Any]) -> None:
        got.append(event["text"])

    await connect(slack, app)
    await slack.outage()
    lost = await workspace.member.posts(workspace.grill, "while away")
    await slack.end_outage(within=15)
    await workspace.member.posts(workspace.grill, "after")
    await slack.wait_until(lambda: got, what="the message after the outage")
    assert got == ["after"] and lost.text == "while away"
    assert [e.sent_at is None for e in slack.socket.events()] == [True, False]


async def test_an_unacked_event_is_redelivered_with_retry_attempt(slack: Harness, workspace: Workspace) -> None:
    """A raw client that never acks the first delivery: the double sends it again after 3 s."""
    url = (await client_for(slack).apps_connections_open(app_token=slack.fake.app_token))["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url, autoping=False) as ws:
        assert json.loads((await ws.receive()).data)["type"] == "hello"
        await ws.ping(b"sdk-ping-pong:1.5")  # what slack_sdk sends every 5 s; a pong with the same data
        pong = await ws.receive(timeout=2)
        assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"sdk-ping-pong:1.5")
        envelope = await slack.socket.deliver("events_api", event_callback({"type": "message", "text": "x"}))
        first = json.loads((await ws.receive(timeout=2)).data)
        second = json.loads((await ws.receive(timeout=5)).data)
        assert (first["retry_attempt"], second["retry_attempt"], second["retry_reason"]) == (0, 1, "timeout")
        assert second["payload"]["event_id"] == first["payload"]["event_id"] == envelope.payload["event_id"]
        await ws.send_str(json.dumps({"envelope_id": second["envelope_id"]}))
        await slack.wait_until(lambda: slack.socket.envelopes[1].acked_at, what="the ack of the retry")
    assert [e.latency is None for e in slack.socket.envelopes] == [True, False]


async def test_only_subscribed_events_are_delivered() -> None:
    """Slack sends the bot events the manifest lists: here app_home_opened, not channel messages."""
    async with FakeSlack(subscriptions={"app_home_opened"}) as fake:
        slack = Harness(fake)
        grill = slack.add_channel("grill")
        bob = slack.add_user("bob", channels=[grill])
        await bob.posts(grill, "not subscribed")
        assert [e["text"] for e in fake.events.skipped] == ["not subscribed"] and fake.socket.envelopes == []
        await fake.events.emit({"type": "app_home_opened", "user": bob.id, "tab": "home"})
        assert [e.payload["event"]["type"] for e in fake.socket.envelopes] == ["app_home_opened"]
