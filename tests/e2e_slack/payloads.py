"""Socket Mode payloads built from the fixtures in fixtures/ (shapes from Slack's documented examples)
and from what the bot actually posted or opened, so tests exercise the real rendering."""

from __future__ import annotations

import copy
import functools
import json
import time
import uuid
from pathlib import Path
from typing import Any

from tests.e2e_slack.slack_state import Channel, Message, User, View

FIXTURES = Path(__file__).parent / "fixtures"


@functools.cache
def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_fixture(name))


def user_ref(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": "T0GRILL"}


def event_callback(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    body = fixture("event_callback")
    body["event"] = event
    body["event_id"] = event_id or f"Ev{uuid.uuid4().hex[:10].upper()}"
    body["event_time"] = int(time.time())
    return body


def message_event(message: Message) -> dict[str, Any]:
    """A `message` event for a new message: members' with rich_text blocks like a Slack client's."""
    if message.by_bot:
        return message.payload() | {"channel": message.channel.id, "event_ts": message.ts, "channel_type": "channel"}
    event = fixture("message_event")
    event.update(
        client_msg_id=str(uuid.uuid4()),
        text=message.text,
        user=message.user,
        ts=message.ts,
        channel=message.channel.id,
        event_ts=message.ts,
    )
    event["blocks"][0]["elements"][0]["elements"][0]["text"] = message.text
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
        event["parent_user_id"] = "U0BOT"
    if message.subtype:
        event["subtype"] = message.subtype
    if message.files:
        event["files"] = message.files
    return event


def message_changed(message: Message, previous: dict[str, Any], event_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": message.channel.id,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": "channel",
        "message": message.payload(),
        "previous_message": previous,
    }


def message_deleted(message: Message, event_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": message.channel.id,
        "ts": event_ts,
        "deleted_ts": message.ts,
        "event_ts": event_ts,
        "channel_type": "channel",
        "previous_message": message.payload(),
    }


def slash_command(
    user: User, channel: Channel, command: str, text: str, *, response_url: str, trigger_id: str
) -> dict[str, Any]:
    body = fixture("slash_command")
    body.update(
        channel_id=channel.id,
        channel_name=channel.name,
        user_id=user.id,
        user_name=user.name,
        command=command,
        text=text,
        response_url=response_url,
        trigger_id=trigger_id,
    )
    return body


def block_actions(
    user: User,
    action: dict[str, Any],
    *,
    trigger_id: str,
    message: Message | None = None,
    ephemeral: tuple[Channel, str] | None = None,
    view: View | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A click on a message (`message`), an ephemeral message (channel, its ts) or a view."""
    body = fixture("block_actions")
    body.update(user=user_ref(user), trigger_id=trigger_id, actions=[action])
    if message is not None:
        body["container"] = {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": message.channel.id,
            "is_ephemeral": False,
        }
        body["channel"] = {"id": message.channel.id, "name": message.channel.name}
        body["message"] = message.payload()
    elif ephemeral is not None:
        channel, ts = ephemeral
        body["container"] = {"type": "message", "message_ts": ts, "channel_id": channel.id, "is_ephemeral": True}
        body["channel"] = {"id": channel.id, "name": channel.name}
    elif view is not None:
        body["container"] = {"type": "view", "view_id": view.id}
        body["view"] = view.payload()
    if response_url is not None:
        body["response_url"] = response_url
    return body


def action_of(element: dict[str, Any], block_id: str, *, selected: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `actions[0]` entry for a press on a button or a pick in a select/radio/overflow."""
    action: dict[str, Any] = {
        "type": element["type"],
        "action_id": element.get("action_id", ""),
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
    elif selected is not None:
        action["selected_option"] = selected
    return action


def view_submission(user: User, view: View, values: dict[str, Any], *, trigger_id: str) -> dict[str, Any]:
    body = fixture("view_submission")
    payload = view.payload()
    payload["state"] = {"values": values}
    body.update(user=user_ref(user), view=payload, trigger_id=trigger_id)
    return body


def message_action(
    user: User, message: Message, callback_id: str, *, trigger_id: str, response_url: str
) -> dict[str, Any]:
    body = fixture("message_action")
    body.update(
        user=user_ref(user),
        channel={"id": message.channel.id, "name": message.channel.name},
        callback_id=callback_id,
        trigger_id=trigger_id,
        response_url=response_url,
        message_ts=message.ts,
        message=message.payload(),
        action_ts=f"{time.time():.6f}",
    )
    return body


def app_home_opened(user: User, view: View | None) -> dict[str, Any]:
    event = fixture("app_home_opened")
    event.update(user=user.id, channel=f"D{user.id[1:]}", event_ts=f"{time.time():.6f}")
    if view is not None:
        event["view"] = view.payload()
    return event
