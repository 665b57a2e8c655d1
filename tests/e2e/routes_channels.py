"""Channels, messages, threads and guild lookups, with Discord's permission and thread-state errors."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.fake_gateway import Gateway, redact
from tests.e2e.fake_models import (
    EPHEMERAL,
    HAS_THREAD,
    PERMISSIONS,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    Channel,
    Guild,
    Message,
    emoji_payload,
)
from tests.e2e.fake_rest import ApiError, Call, Rest, invalid_form
from tests.e2e.fake_state import State
from tests.e2e.message_body import apply_edit, message_fields

ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
THREAD_KEYS = ("name", "archived", "locked", "auto_archive_duration")


class ChannelRoutes:
    def __init__(self, state: State, gateway: Gateway) -> None:
        self.state, self.gateway = state, gateway

    def register(self, rest: Rest) -> None:
        rest.route("GET", "/channels/{channel_id}", self.get_channel)
        rest.route("PATCH", "/channels/{channel_id}", self.edit_channel)
        rest.route("GET", "/channels/{channel_id}/messages", self.list_messages)
        rest.route("POST", "/channels/{channel_id}/messages", self.create_message)
        rest.route("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        rest.route("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        rest.route("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        reaction = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        rest.route("PUT", reaction, self.add_reaction)
        rest.route("DELETE", reaction, self.remove_reaction)
        rest.route("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message)
        rest.route("POST", "/channels/{channel_id}/threads", self.thread_without_message)
        rest.route("GET", "/guilds/{guild_id}", self.get_guild)
        rest.route("GET", "/guilds/{guild_id}/channels", self.guild_channels)
        rest.route("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member)

    # -- lookups and checks ---------------------------------------------------------------------

    def _channel(self, call: Call) -> Channel:
        channel = self.state.channels.get(call.id("channel_id"))
        if channel is None:
            raise ApiError(404, 10003, "Unknown Channel")
        return channel

    def _message(self, channel: Channel, call: Call) -> Message:
        message = self.state.messages.get(call.id("message_id"))
        if message is None or message.deleted or message.channel is not channel:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def _guild(self, call: Call) -> Guild:
        guild = self.state.guilds.get(call.id("guild_id"))
        if guild is None:
            raise ApiError(404, 10004, "Unknown Guild")
        return guild

    def _require(self, channel: Channel, *names: str) -> None:
        """403 50001 without View Channel, 403 50013 without any of `names`, like Discord."""
        granted = self.state.permissions(self.state.bot_member(channel.guild), channel)
        if not granted:
            raise ApiError(403, 50001, "Missing Access")
        if any(not granted & PERMISSIONS[name] for name in names):
            raise ApiError(403, 50013, "Missing Permissions")

    def _payload(self, message: Message) -> dict[str, Any]:
        return redact(message.payload(self.state.base_url), self.gateway.intents, self.state.bot.id)

    # -- channels and threads -------------------------------------------------------------------

    async def get_channel(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        self._require(channel)
        return channel.payload()

    async def edit_channel(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        body = call.json or {}
        if not channel.is_thread:
            self._require(channel, "manage_channels")
            channel.name = body.get("name", channel.name)
            channel.topic = body.get("topic", channel.topic)
            await self.gateway.channel_event("CHANNEL_UPDATE", channel)
            return channel.payload()
        self._require(channel)
        if channel.archived and body.get("archived") is not False:
            raise ApiError(400, 50083, "Thread is archived")
        if body.get("locked", channel.locked) != channel.locked:
            self._require(channel, "manage_threads")
        if body.get("auto_archive_duration", channel.auto_archive_duration) not in ARCHIVE_DURATIONS:
            raise invalid_form(f"auto_archive_duration must be one of {ARCHIVE_DURATIONS}")
        for key in THREAD_KEYS:
            if key in body:
                setattr(channel, key, body[key])
        if "archived" in body:
            channel.archive_timestamp = time.time()
        await self.gateway.channel_event("THREAD_UPDATE", channel)
        return channel.payload()

    async def thread_from_message(self, call: Call) -> dict[str, Any]:
        """A public thread whose id is the message id, so a second try fails with 160004."""
        channel = self._channel(call)
        if channel.is_thread:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        message = self._message(channel, call)
        self._require(channel, "create_public_threads")
        if message.id in self.state.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        thread = self._new_thread(channel, call.json or {}, thread_id=message.id, type_=PUBLIC_THREAD)
        message.thread = thread
        message.flags |= HAS_THREAD
        await self.gateway.channel_event("THREAD_CREATE", thread, newly_created=True)
        return thread.payload()

    async def thread_without_message(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        body = call.json or {}
        type_ = body.get("type") or PRIVATE_THREAD
        if channel.is_thread or type_ not in (PUBLIC_THREAD, PRIVATE_THREAD):
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        self._require(channel, "create_public_threads" if type_ == PUBLIC_THREAD else "create_private_threads")
        thread = self._new_thread(channel, body, thread_id=self.state.ids.next(), type_=type_)
        await self.gateway.channel_event("THREAD_CREATE", thread, newly_created=True)
        return thread.payload()

    def _new_thread(self, parent: Channel, body: dict[str, Any], *, thread_id: int, type_: int) -> Channel:
        name = body.get("name") or ""
        archive = body.get("auto_archive_duration") or 1440
        if not 1 <= len(name) <= 100 or archive not in ARCHIVE_DURATIONS:
            raise invalid_form("thread name must be 1-100 characters", f"auto_archive_duration in {ARCHIVE_DURATIONS}")
        return self.state.add_thread(
            parent, name, thread_id=thread_id, owner=self.state.bot, type_=type_, archive=archive
        )

    # -- messages -------------------------------------------------------------------------------

    async def create_message(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        self._require(channel, "send_messages_in_threads" if channel.is_thread else "send_messages")
        if call.files:
            self._require(channel, "attach_files")
        if channel.locked:
            raise ApiError(403, 160005, "Thread is locked")
        body = call.json or {}
        fields = message_fields(body, call.files, self.state.ids)
        fields["flags"] = fields.get("flags", 0) & ~EPHEMERAL  # only interaction responses can be ephemeral
        if channel.archived:
            channel.archived = False  # a message unarchives an unlocked thread
            await self.gateway.channel_event("THREAD_UPDATE", channel)
        message = self.state.add_message(
            channel, self.state.bot, message_reference=body.get("message_reference"), **fields
        )
        await self.gateway.message_create(message)
        return message.payload(self.state.base_url)

    async def list_messages(self, call: Call) -> list[dict[str, Any]]:
        """Newest first, like Discord; `before`/`after` take the `limit` messages nearest to that id."""
        channel = self._channel(call)
        self._require(channel, "read_message_history")
        limit = int(call.query.get("limit", 50))
        if not 1 <= limit <= 100 or "around" in call.query:
            raise invalid_form("limit must be 1-100 (and `around` is not supported by the fake)")
        found = self.state.history(channel)
        if "before" in call.query:
            found = [m for m in found if m.id < int(call.query["before"])][-limit:]
        elif "after" in call.query:
            found = [m for m in found if m.id > int(call.query["after"])][:limit]
        else:
            found = found[-limit:]
        return [self._payload(m) for m in reversed(found)]

    async def get_message(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        self._require(channel, "read_message_history")
        return self._payload(self._message(channel, call))

    async def edit_message(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        message = self._message(channel, call)
        if message.author is not self.state.bot:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        if channel.archived:
            raise ApiError(400, 50083, "Thread is archived")
        apply_edit(message, call.json or {}, call.files, self.state.ids)
        message.edited_at = time.time()
        await self.gateway.message_update(message)
        return message.payload(self.state.base_url)

    async def delete_message(self, call: Call) -> None:
        channel = self._channel(call)
        message = self._message(channel, call)
        if message.author is not self.state.bot:
            self._require(channel, "manage_messages")
        message.deleted = True
        await self.gateway.message_delete(message)

    async def add_reaction(self, call: Call) -> None:
        await self._react(call, add=True)

    async def remove_reaction(self, call: Call) -> None:
        await self._react(call, add=False)

    async def _react(self, call: Call, *, add: bool) -> None:
        channel = self._channel(call)
        message = self._message(channel, call)
        self._require(channel, "read_message_history", *(["add_reactions"] if add else []))
        if channel.archived:
            raise ApiError(400, 50083, "Thread is archived")
        emoji = call.params["emoji"]
        users = message.reactions.setdefault(emoji, [])
        bot = self.state.bot
        if add == (bot in users):
            return  # already (or not) there: Discord answers 204 and sends nothing
        if add:
            users.append(bot)
        else:
            users.remove(bot)
        event = {
            "user_id": str(bot.id),
            "channel_id": str(channel.id),
            "message_id": str(message.id),
            "guild_id": str(channel.guild.id),
            "emoji": emoji_payload(emoji),
            "burst": False,
            "type": 0,
        }
        await self.gateway.dispatch("MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE", event)

    # -- guilds ---------------------------------------------------------------------------------

    async def get_guild(self, call: Call) -> dict[str, Any]:
        data = self._guild(call).create_payload(members=[])
        return {k: v for k, v in data.items() if k not in ("channels", "threads", "members")}

    async def guild_channels(self, call: Call) -> list[dict[str, Any]]:
        return [c.payload() for c in self._guild(call).channels.values() if not c.is_thread]

    async def get_member(self, call: Call) -> dict[str, Any]:
        member = self._guild(call).members.get(call.id("user_id"))
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.payload()
