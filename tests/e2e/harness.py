"""The scripting API for end-to-end tests: build a guild, act as its members, read what the bot did.

    discord = Harness(fake)
    guild = await discord.add_guild("Study group")
    general = await discord.add_text_channel(guild, "general")
    alice = await discord.add_member(guild, "alice", admin=True)
    ix = await alice.slash(general, "grill setup", channel=general, time="09:00", timezone="UTC")
    assert "Daily grill set" in (await ix.reply()).text()

Every wait takes a `within` timeout (seconds) and wakes on state changes; nothing here sleeps for a fixed time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_models import (
    BOT_DEFAULT,
    EPHEMERAL,
    LOADING,
    PERMISSIONS,
    Callback,
    CallbackType,
    Channel,
    Guild,
    InteractionRecord,
    InteractionType,
    Member,
    Message,
    Overwrite,
    bits,
)
from tests.e2e.interaction_data import command_data, component_data, message_command_data, modal_submit_data

T = TypeVar("T")
MENTION = re.compile(r"<@!?(\d+)>")
DEFAULT_TIMEOUT = 5.0
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = InteractionType


class Interaction:
    """One interaction a member started, and what the bot answered."""

    def __init__(self, discord: Harness, record: InteractionRecord) -> None:
        self.discord, self.record = discord, record

    @property
    def latency(self) -> float | None:
        return self.record.latency

    @property
    def followups(self) -> list[Message]:
        return self.record.followups

    async def response(self, *, within: float = DEFAULT_TIMEOUT) -> Callback:
        """The bot's first callback (type 4 message, 5 defer, 6 deferred update, 7 update, 8 choices, 9 modal)."""
        return await self.discord.wait_until(
            lambda: self.record.callbacks[0] if self.record.callbacks else None,
            within=within,
            what=f"a response to interaction {self.record.id}",
        )

    async def modal(self, *, within: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """The modal the bot opened (its custom_id, title and components)."""
        callback = await self.response(within=within)
        if callback.type != CallbackType.MODAL:
            raise AssertionError(
                f"expected a modal, the bot answered with callback type {callback.type}: {callback.data}"
            )
        return callback.data

    async def choices(self, *, within: float = DEFAULT_TIMEOUT) -> list[dict[str, Any]]:
        callback = await self.response(within=within)
        if callback.type != CallbackType.AUTOCOMPLETE_RESULT:
            raise AssertionError(f"expected autocomplete choices, got callback type {callback.type}")
        return callback.data.get("choices", [])

    async def reply(self, *, within: float = DEFAULT_TIMEOUT) -> Message:
        """The first message the member sees: the response, the updated message, the filled-in deferral,
        or else the first followup (after a deferred update)."""

        def seen() -> Message | None:
            callbacks, original = self.record.callbacks, self.record.original
            if callbacks and callbacks[0].type in (CallbackType.MESSAGE, CallbackType.UPDATE):
                return original
            if callbacks and callbacks[0].type == CallbackType.DEFERRED and original and not original.flags & LOADING:
                return original
            return self.record.followups[0] if self.record.followups else None

        return await self.discord.wait_until(seen, within=within, what=f"a reply to interaction {self.record.id}")

    async def followup(self, index: int = 0, *, within: float = DEFAULT_TIMEOUT) -> Message:
        return await self.discord.wait_until(
            lambda: self.record.followups[index] if len(self.record.followups) > index else None,
            within=within,
            what=f"followup #{index} of interaction {self.record.id}",
        )


class Actor:
    """A guild member who posts and uses the bot's commands, buttons, selects and forms."""

    def __init__(self, discord: Harness, member: Member) -> None:
        self.discord, self.member = discord, member

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def name(self) -> str:
        return self.member.user.name

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    # -- messages -------------------------------------------------------------------------------

    async def post(self, channel: Channel, content: str) -> Message:
        """MESSAGE_CREATE for a message this member types (sending into an archived thread reopens it)."""
        state = self.discord.state
        needed = "send_messages_in_threads" if channel.is_thread else "send_messages"
        if not state.permissions(self.member, channel) & PERMISSIONS[needed] or channel.locked:
            raise PermissionError(f"{self.name} cannot post in #{channel.name}")
        if channel.archived:
            channel.archived = False
            await self.discord.gateway.channel_event("THREAD_UPDATE", channel)
        mentions = [state.users[int(i)] for i in MENTION.findall(content) if int(i) in state.users]
        message = state.add_message(channel, self.member.user, content=content, mentions=mentions)
        await self.discord.gateway.message_create(message)
        return message

    async def edit(self, message: Message, content: str) -> Message:
        message.content, message.edited_at = content, time.time()
        await self.discord.gateway.message_update(message)
        return message

    async def delete(self, message: Message) -> None:
        message.deleted = True
        await self.discord.gateway.message_delete(message)

    # -- interactions ---------------------------------------------------------------------------

    async def slash(self, channel: Channel, command: str, /, **options: Any) -> Interaction:
        """Run `/name [group] [sub]` with options given as Python values (channels, actors, str, int...)."""
        name, *path = command.split()
        registered, scope = self._command(channel, name)
        data = command_data(self.discord.state, self.member, registered, scope, path, options)
        return await self._start(APPLICATION_COMMAND, channel, data)

    async def autocomplete(
        self, channel: Channel, command: str, /, focused: str, value: str, **options: Any
    ) -> Interaction:
        """What the Discord client sends while the member types `value` into option `focused`."""
        name, *path = command.split()
        registered, scope = self._command(channel, name)
        data = command_data(
            self.discord.state, self.member, registered, scope, path, {**options, focused: value}, focused=focused
        )
        return await self._start(AUTOCOMPLETE, channel, data)

    async def message_command(self, message: Message, name: str) -> Interaction:
        """A message context-menu command ("Apps > name" on a message)."""
        registered, scope = self._command(message.channel, name, type_=3)
        data = message_command_data(self.discord.state, registered, scope, message)
        return await self._start(APPLICATION_COMMAND, message.channel, data)

    async def click(self, message: Message, *, label: str | None = None, custom_id: str | None = None) -> Interaction:
        component = message.component(custom_id=custom_id, label=label)
        return await self._start(MESSAGE_COMPONENT, message.channel, component_data(component, None), message)

    async def select(self, message: Message, values: Iterable[str], *, custom_id: str | None = None) -> Interaction:
        component = message.component(custom_id=custom_id)
        data = component_data(component, [str(v) for v in values])
        return await self._start(MESSAGE_COMPONENT, message.channel, data, message)

    async def submit_modal(
        self, opened: Interaction, values: dict[str, Any], *, within: float = DEFAULT_TIMEOUT
    ) -> Interaction:
        """Fill the modal the bot opened in answer to `opened` (custom_id -> text / radio value / values)."""
        modal = await opened.modal(within=within)
        data = modal_submit_data(modal, values)
        return await self._start(MODAL_SUBMIT, opened.record.channel, data, opened.record.message)

    async def replay_click(self, channel: Channel, custom_id: str, *, values: list[str] | None = None) -> Interaction:
        """A crafted press: `custom_id` copied from anywhere (another server's post, a guess) on a
        private bot message in `channel`, as a modified client could send it; with `values`, a pick
        in a select carrying that id."""
        if values is None:
            component: dict[str, Any] = {"type": 2, "style": 1, "label": "replayed", "custom_id": custom_id}
        else:
            options = [{"label": v, "value": v} for v in values]
            component = {"type": 3, "custom_id": custom_id, "options": options, "min_values": 1, "max_values": 1}
        message = self.discord.state.add_message(
            channel,
            self.discord.state.bot,
            content="…",
            components=[{"type": 1, "components": [component]}],
            flags=EPHEMERAL,
        )
        return await self._start(MESSAGE_COMPONENT, channel, component_data(component, values), message)

    async def replay_modal(self, channel: Channel, custom_id: str, values: dict[str, str]) -> Interaction:
        """A crafted form submit with `custom_id`, each value a text input inside a label."""
        components = [
            {"type": 18, "id": i, "component": {"type": 4, "id": 100 + i, "custom_id": key, "value": value}}
            for i, (key, value) in enumerate(values.items(), 1)
        ]
        return await self._start(MODAL_SUBMIT, channel, {"custom_id": custom_id, "components": components})

    def _command(self, channel: Channel, name: str, type_: int = 1) -> tuple[dict[str, Any], int | None]:
        """The registered command, refusing one Discord would hide from this member."""
        state = self.discord.state
        registered, scope = state.find_command(channel.guild, name, type_)
        default = registered.get("default_member_permissions")
        if default is not None:
            needed = int(default) or PERMISSIONS["administrator"]
            if state.permissions(self.member, channel) & needed != needed:
                raise PermissionError(f"Discord hides {name!r} from {self.name} (default_member_permissions={default})")
        return registered, scope

    async def _start(
        self, type_: InteractionType, channel: Channel, data: dict[str, Any], message: Message | None = None
    ) -> Interaction:
        record = self.discord.state.new_interaction(type_, self.member, channel, data, message)
        await self.discord.gateway.interaction_create(record)
        return Interaction(self.discord, record)


class Harness:
    """The test's side of the double: world building, reading, waiting, faults."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.state, self.gateway, self.rest = fake.state, fake.gateway, fake.rest

    # -- world building (dispatches the matching events if the bot is connected) -----------------

    async def add_guild(
        self,
        name: str = "Study group",
        *,
        bot_permissions: Iterable[str] = BOT_DEFAULT,
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild the bot is in; `shard=(id, count)` picks its id so it falls on that shard."""
        guild = self.state.add_guild(name, bot_permissions=bits(*bot_permissions), shard=shard)
        await self.gateway.guild_create(guild)
        return guild

    async def remove_bot(self, guild: Guild) -> None:
        """The bot is kicked from `guild`: GUILD_DELETE without `unavailable`, and the guild is gone."""
        del self.state.guilds[guild.id]
        await self.gateway.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def add_text_channel(self, guild: Guild, name: str) -> Channel:
        channel = self.state.add_channel(guild, name)
        await self.gateway.channel_event("CHANNEL_CREATE", channel)
        return channel

    async def add_member(
        self, guild: Guild, name: str, *, admin: bool = False, permissions: Iterable[str] = ()
    ) -> Actor:
        """A member; `admin` grants Manage Server (what the bot's admin commands require)."""
        granted = bits(*permissions, *(["manage_guild"] if admin else []))
        member = self.state.add_member(guild, name, permissions=granted)
        await self.gateway.dispatch("GUILD_MEMBER_ADD", member.payload() | {"guild_id": str(guild.id)})
        return Actor(self, member)

    async def set_bot_permissions(
        self, channel: Channel, *, deny: Iterable[str] = (), allow: Iterable[str] = ()
    ) -> None:
        """A member overwrite for the bot on `channel` (threads inherit it), e.g. deny=["send_messages"]."""
        bot_id = self.state.bot.id
        channel.overwrites[bot_id] = Overwrite(bot_id, 1, allow=bits(*allow), deny=bits(*deny))
        await self.gateway.channel_event("CHANNEL_UPDATE", channel)

    async def delete_channel(self, channel: Channel) -> None:
        """An admin deletes a text channel: it and its threads are gone (REST answers 404 10003)."""
        for thread in [c for c in self.state.channels.values() if c.parent_id == channel.id]:
            del self.state.channels[thread.id]
            channel.guild.channels.pop(thread.id, None)
            await self.gateway.channel_event("THREAD_DELETE", thread)
        del self.state.channels[channel.id]
        channel.guild.channels.pop(channel.id, None)
        await self.gateway.channel_event("CHANNEL_DELETE", channel)

    # -- reading --------------------------------------------------------------------------------

    def messages(self, channel: Channel, *, by_bot: bool | None = None) -> list[Message]:
        """Visible messages in a channel or thread, oldest first (ephemeral replies live on interactions)."""
        found = self.state.history(channel)
        if by_bot is not None:
            found = [m for m in found if (m.author is self.state.bot) == by_bot]
        return found

    def thread_of(self, message: Message) -> Channel | None:
        return self.state.channels.get(message.id)

    async def wait_for_message(
        self,
        channel: Channel | None = None,
        *,
        contains: str = "",
        where: Callable[[Message], bool] = lambda m: True,
        after: Message | None = None,
        within: float = DEFAULT_TIMEOUT,
    ) -> Message:
        """The first bot message (in `channel`, newer than `after`) whose text contains `contains` and matches `where`."""

        def match() -> Message | None:
            for message in sorted(self.state.messages.values(), key=lambda m: m.id):
                if (
                    message.author is self.state.bot
                    and not message.deleted
                    and (channel is None or message.channel is channel)
                    and (after is None or message.id > after.id)
                    and contains in message.text()
                    and where(message)
                ):
                    return message
            return None

        place = f"#{channel.name}" if channel else "any channel"
        return await self.wait_until(match, within=within, what=f"a bot message in {place} containing {contains!r}")

    async def wait_for_thread(self, message: Message, *, within: float = DEFAULT_TIMEOUT) -> Channel:
        return await self.wait_until(
            lambda: self.thread_of(message), within=within, what=f"a thread on message {message.id}"
        )

    # -- interactions ---------------------------------------------------------------------------

    @property
    def interactions(self) -> list[InteractionRecord]:
        return list(self.state.interactions.values())

    def slow_interactions(self, limit: float = 2.5) -> list[InteractionRecord]:
        """Delivered interactions the bot answered later than `limit` seconds, or never."""
        return [r for r in self.interactions if r.sent_at is not None and (r.latency is None or r.latency > limit)]

    # -- gateway faults -------------------------------------------------------------------------

    async def drop_connection(self, *, resumable: bool = True) -> None:
        """Close the bot's gateway socket. Resumable: it RESUMEs and gets the missed events replayed.
        Not resumable: its RESUME gets INVALID_SESSION, it re-IDENTIFYs (after discord.py's 5 s wait)
        and sees events from the gap only through REST."""
        await self.gateway.drop(resumable=resumable)

    async def wait_connected(self, *, within: float = 15.0) -> None:
        await self.wait_until(lambda: self.gateway.connected, within=within, what="the bot's gateway connection")

    # -- waiting --------------------------------------------------------------------------------

    async def wait_until(
        self, predicate: Callable[[], T | None], *, within: float = DEFAULT_TIMEOUT, what: str = "a condition"
    ) -> T:
        return await self.state.changes.wait_until(predicate, within=within, what=what)
