"""The Slack double's world: one workspace, its users, channels, messages, views and triggers.

No I/O here: the Web API methods and the socket mutate this state and call `changes.notify()`, so
tests wait on conditions instead of sleeping. Timestamps (`ts`) are Slack's: seconds.micros, strictly
increasing, so a later message sorts after an earlier one.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from tests.e2e.fake_state import Changes

TEAM_ID, TEAM_DOMAIN, APP_ID = "T0GRILL", "grill", "A0GRILL"
BOT_USER_ID, BOT_ID = "U0BOT", "B0BOT"
TRIGGER_LIFETIME = 3.0  # seconds a trigger_id can open a view, once


@dataclass(eq=False)
class User:
    id: str
    name: str
    display_name: str = ""  # Slack often leaves it empty: clients fall back to real_name
    real_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    channels: set[str] = field(default_factory=set)

    def payload(self) -> dict[str, Any]:
        """What users.info returns (trimmed to the fields a bot reads)."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "Europe/Paris",
            "profile": {
                "display_name": self.display_name,
                "display_name_normalized": self.display_name,
                "real_name": self.real_name,
                "real_name_normalized": self.real_name,
                "team": TEAM_ID,
            },
        }


@dataclass(eq=False)
class Channel:
    id: str
    name: str
    is_private: bool = False
    members: set[str] = field(default_factory=set)

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_private": self.is_private,
            "is_archived": False,
            "is_member": BOT_USER_ID in self.members,
            "context_team_id": TEAM_ID,
        }


@dataclass(eq=False)
class Message:
    channel: Channel
    ts: str
    user: str  # author's user id (the bot's own messages carry BOT_USER_ID and bot_id)
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    subtype: str | None = None
    metadata: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    reactions: dict[str, set[str]] = field(default_factory=dict)  # emoji name -> user ids
    edited_ts: str | None = None
    deleted: bool = False

    @property
    def by_bot(self) -> bool:
        return self.user == BOT_USER_ID

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def payload(self, *, with_metadata: bool = True) -> dict[str, Any]:
        """The message as history, replies and events show it."""
        body: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.by_bot:
            body |= {"bot_id": BOT_ID, "app_id": APP_ID}
        if self.blocks:
            body["blocks"] = self.blocks
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.subtype:
            body["subtype"] = self.subtype
        if self.files:
            body["files"] = self.files
        if self.edited_ts:
            body["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": sorted(users), "count": len(users)} for name, users in self.reactions.items()
            ]
        if with_metadata and self.metadata:
            body["metadata"] = self.metadata
        return body

    def text_all(self) -> str:
        """Its text and every text inside its blocks: what a reader sees."""
        return "\n".join([self.text, *block_texts(self.blocks)])


@dataclass(eq=False)
class Ephemeral:
    """A chat.postEphemeral message: only `user` sees it, and only until a reload."""

    channel: Channel
    user: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    deleted: bool = False  # a response_url `delete_original` on it

    def text_all(self) -> str:
        return "\n".join([self.text, *block_texts(self.blocks)])


@dataclass(eq=False)
class View:
    id: str
    user: str
    body: dict[str, Any]  # what the bot sent: type, title, blocks, private_metadata, callback_id, ...
    hash: str
    root_id: str
    previous_id: str | None = None
    closed: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier bodies, oldest first
    state: dict[str, dict[str, Any]] = field(default_factory=dict)  # picks made in its action blocks

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.body.get("blocks", []))

    def payload(self) -> dict[str, Any]:
        """The view as Slack returns it and puts it in view_submission payloads."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "app_id": APP_ID,
            "bot_id": BOT_ID,
            "app_installed_team_id": TEAM_ID,
            "hash": self.hash,
            "root_view_id": self.root_id,
            "previous_view_id": self.previous_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "clear_on_close": False,
            "notify_on_close": False,
            "state": {"values": self.state},
            **self.body,
        }

    def text_all(self) -> str:
        title = self.body.get("title", {}).get("text", "")
        return "\n".join([title, *block_texts(self.blocks)])


@dataclass(eq=False)
class Trigger:
    id: str
    user: str
    issued: float  # time.monotonic()
    used: bool = False


@dataclass(eq=False)
class ResponsePost:
    """One POST to a response_url the double handed out (with a command, a click or a shortcut)."""

    url_id: str
    body: dict[str, Any]
    at: float

    def text_all(self) -> str:
        return "\n".join([str(self.body.get("text", "")), *block_texts(self.body.get("blocks", []))])


@dataclass(eq=False)
class UploadedFile:
    id: str
    filename: str
    length: int
    data: bytes | None = None
    title: str = ""
    channel: str | None = None
    thread_ts: str | None = None


def block_texts(blocks: Any) -> list[str]:
    """Every `text` string inside Block Kit JSON (sections, fields, contexts, buttons, options, rich text)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return found


class Timestamps:
    """Slack message ts values: wall-clock seconds and a strictly increasing microsecond part."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> str:
        now = int(time.time() * 1_000_000)
        self._last = max(now, self._last + 1)
        return f"{self._last // 1_000_000}.{self._last % 1_000_000:06d}"


class State:
    """Everything the double knows: one workspace with the app installed."""

    def __init__(self, bot_token: str, app_token: str) -> None:
        self.bot_token, self.app_token = bot_token, app_token
        self.changes = Changes()
        self.ts = Timestamps()
        self._ids = itertools.count(1)
        self.bot = User(BOT_USER_ID, "grillbot", real_name="grillbot", is_bot=True)
        self.users: dict[str, User] = {self.bot.id: self.bot}
        self.channels: dict[str, Channel] = {}
        self.messages: list[Message] = []
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.triggers: dict[str, Trigger] = {}
        self.responses: list[ResponsePost] = []
        self.files: dict[str, UploadedFile] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.base_url = ""  # http://127.0.0.1:port, set when the server starts

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}"

    # -- world building -------------------------------------------------------------------------

    def add_user(self, name: str, **fields: Any) -> User:
        user = User(self.new_id("U"), name, **fields)
        self.users[user.id] = user
        return user

    def add_channel(self, name: str, *, bot_member: bool = True, is_private: bool = False) -> Channel:
        channel = Channel(self.new_id("C"), name, is_private=is_private)
        if bot_member:
            channel.members.add(self.bot.id)
        self.channels[channel.id] = channel
        return channel

    def add_message(self, channel: Channel, user: str, **fields: Any) -> Message:
        message = Message(channel, self.ts.next(), user, **fields)
        self.messages.append(message)
        return message

    def dm(self, user_id: str) -> Channel:
        """The bot's direct-message channel with a user (D + the user id), made on first use."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(
                channel_id, f"dm-{user_id}", is_private=True, members={BOT_USER_ID, user_id}
            )
        return self.channels[channel_id]

    def new_trigger(self, user: str) -> str:
        trigger = Trigger(f"{next(self._ids)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}", user, 0.0)
        trigger.issued = time.monotonic()
        self.triggers[trigger.id] = trigger
        return trigger.id

    # -- queries --------------------------------------------------------------------------------

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages if m.channel.id == channel_id and m.ts == ts and not m.deleted), None)

    def thread(self, channel_id: str, thread_ts: str) -> list[Message]:
        """The parent then its replies, oldest first."""
        found = [
            m
            for m in self.messages
            if m.channel.id == channel_id and not m.deleted and (m.ts == thread_ts or m.thread_ts == thread_ts)
        ]
        return sorted(found, key=lambda m: float(m.ts))

    def top_level(self, channel_id: str) -> list[Message]:
        """What conversations.history lists: messages not inside a thread (and broadcasts), newest first."""
        found = [
            m
            for m in self.messages
            if m.channel.id == channel_id and not m.deleted and (not m.is_reply or m.subtype == "thread_broadcast")
        ]
        return sorted(found, key=lambda m: float(m.ts), reverse=True)
