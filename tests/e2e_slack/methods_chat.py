"""chat.postMessage, chat.update, chat.delete, chat.postEphemeral, chat.getPermalink, reactions.add.

The bot's own posts, edits and deletions come back to it as message events (it subscribed to them),
as on Slack; Bolt skips its own by default.
"""

from __future__ import annotations

from typing import Any

from tests.e2e_slack.block_kit import check_message_blocks
from tests.e2e_slack.events import Events
from tests.e2e_slack.payloads import message_changed, message_deleted, message_event
from tests.e2e_slack.slack_state import BOT_USER_ID, Channel, Ephemeral, Message, State
from tests.e2e_slack.web_api import Call, SlackError, WebApi


class ChatMethods:
    def __init__(self, state: State, events: Events) -> None:
        self.state, self.events = state, events

    def register(self, api: WebApi) -> None:
        api.method("chat.postMessage", self.post_message)
        api.method("chat.update", self.update)
        api.method("chat.delete", self.delete)
        api.method("chat.postEphemeral", self.post_ephemeral)
        api.method("chat.getPermalink", self.permalink)
        api.method("reactions.add", self.react)
        api.method("conversations.open", self.open_dm)

    def channel(self, call: Call, name: str = "channel") -> Channel:
        """A channel by id or #name; a user id means the bot's DM with that user, as on Slack."""
        wanted = call.str(name).lstrip("#")
        if wanted in self.state.users:
            return self.state.dm(wanted)
        channel = self.state.channels.get(wanted)
        if channel is None:
            channel = next((c for c in self.state.channels.values() if c.name == wanted), None)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def _content(self, call: Call) -> tuple[str, list[dict[str, Any]]]:
        text, blocks = call.optional("text"), call.json("blocks")
        if not text and not blocks:
            raise SlackError("no_text")
        check_message_blocks(blocks, text)
        return text or "", blocks or []

    def _metadata(self, call: Call) -> dict[str, Any] | None:
        metadata = call.json("metadata")
        if metadata is not None and not (isinstance(metadata, dict) and metadata.get("event_type")):
            raise SlackError("invalid_metadata_format")
        return metadata

    async def post_message(self, call: Call) -> dict[str, Any]:
        channel = self.channel(call)
        if BOT_USER_ID not in channel.members:
            raise SlackError("not_in_channel")
        text, blocks = self._content(call)
        thread_ts = call.optional("thread_ts")
        if thread_ts is not None:
            parent = self.state.find_message(channel.id, thread_ts)
            if parent is None or parent.is_reply:
                raise SlackError("thread_not_found" if parent is None else "invalid_thread_ts")
        subtype = "thread_broadcast" if thread_ts and call.flag("reply_broadcast") else None
        message = self.state.add_message(
            channel,
            BOT_USER_ID,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            subtype=subtype,
            metadata=self._metadata(call),
        )
        await self.events.emit(message_event(message))
        return {"channel": channel.id, "ts": message.ts, "message": message.payload()}

    def _own(self, call: Call, refusal: str) -> Message:
        message = self.state.find_message(self.channel(call).id, call.str("ts"))
        if message is None:
            raise SlackError("message_not_found")
        if not message.by_bot:
            raise SlackError(refusal)
        return message

    async def update(self, call: Call) -> dict[str, Any]:
        message = self._own(call, "cant_update_message")
        previous = message.payload()
        text, blocks = self._content(call)
        message.text, message.blocks = text, blocks
        if "metadata" in call.args:
            message.metadata = self._metadata(call)
        message.edited_ts = self.state.ts.next()
        await self.events.emit(message_changed(message, previous, message.edited_ts))
        return {"channel": message.channel.id, "ts": message.ts, "text": message.text, "message": message.payload()}

    async def delete(self, call: Call) -> dict[str, Any]:
        message = self._own(call, "cant_delete_message")
        message.deleted = True
        await self.events.emit(message_deleted(message, self.state.ts.next()))
        return {"channel": message.channel.id, "ts": message.ts}

    async def post_ephemeral(self, call: Call) -> dict[str, Any]:
        channel = self.channel(call)
        user = call.str("user")
        if user not in self.state.users:
            raise SlackError("user_not_found")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        if BOT_USER_ID not in channel.members:
            raise SlackError("not_in_channel")
        text, blocks = self._content(call)
        ephemeral = Ephemeral(channel, user, self.state.ts.next(), text, blocks, call.optional("thread_ts"))
        self.state.ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    async def open_dm(self, call: Call) -> dict[str, Any]:
        users = call.str("users").split(",")
        if len(users) != 1 or users[0] not in self.state.users:
            raise SlackError("user_not_found")
        return {"channel": {"id": self.state.dm(users[0]).id}}

    async def permalink(self, call: Call) -> dict[str, Any]:
        channel = self.channel(call)
        ts = call.str("message_ts")
        if self.state.find_message(channel.id, ts) is None:
            raise SlackError("message_not_found")
        return {
            "channel": channel.id,
            "permalink": f"https://grill.slack.com/archives/{channel.id}/p{ts.replace('.', '')}",
        }

    async def react(self, call: Call) -> dict[str, Any]:
        message = self.state.find_message(self.channel(call).id, call.str("timestamp"))
        if message is None:
            raise SlackError("message_not_found")
        name = call.str("name").strip(":")
        if not name or " " in name:
            raise SlackError("invalid_name")
        users = message.reactions.setdefault(name, set())
        if BOT_USER_ID in users:
            raise SlackError("already_reacted")
        users.add(BOT_USER_ID)
        return {}
