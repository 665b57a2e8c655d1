"""The fake Discord's world: its guilds, channels, messages, commands and interactions, and their ids.

No I/O here: the gateway and the REST routes mutate this state and call `Changes.notify()`, so tests
can wait on a condition instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from tests.e2e.fake_models import (
    ALL_PERMISSIONS,
    DISCORD_EPOCH_MS,
    EVERYONE_DEFAULT,
    PERMISSIONS,
    Attachment,
    Channel,
    Guild,
    InteractionRecord,
    InteractionType,
    Member,
    Message,
    Role,
    User,
    bits,
)


class Snowflakes:
    """Discord-style ids: milliseconds since 2015 in the high bits, so a later object has a larger id."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(now, self._last + 1)
        return self._last

    def next_on_shard(self, shard_id: int, count: int) -> int:
        """The next id whose guild falls on `shard_id` of `count` shards (a few milliseconds on, at most)."""
        stamp = self.next() >> 22
        stamp += (shard_id - stamp) % count
        self._last = max(self._last, stamp << 22)
        return self._last


T = TypeVar("T")


class Changes:
    """Wakes waiters whenever the fake's state changes, so tests await conditions instead of sleeping."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], T | None], *, within: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {within:.1f}s waiting for {what}")
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)


class State:
    """Everything the fake Discord knows. One bot application, any number of guilds."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.ids = Snowflakes()
        self.changes = Changes()
        self.application_id = self.ids.next()
        self.bot = User(self.application_id, "grillbot", bot=True)
        self.owner = User(self.ids.next(), "app-owner")
        self.users: dict[int, User] = {u.id: u for u in (self.bot, self.owner)}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global) -> commands
        self.command_syncs: list[int | None] = []  # scope of every bulk overwrite, in order
        self.interactions: dict[int, InteractionRecord] = {}
        self.uploads: dict[int, Attachment] = {}  # files members attach to slash commands, served by the CDN route
        self.base_url = ""  # http://127.0.0.1:port, set when the server starts

    # -- world building -------------------------------------------------------------------------

    def upload(self, filename: str, data: bytes) -> Attachment:
        """A file a member attaches to a slash command option; fetched back through the CDN route."""
        attachment = Attachment(self.ids.next(), filename, data)
        self.uploads[attachment.id] = attachment
        return attachment

    def add_guild(self, name: str, *, bot_permissions: int, shard: tuple[int, int] | None = None) -> Guild:
        """`shard=(id, count)`: the guild's id puts it on that shard of a bot with `count` shards."""
        guild_id = self.ids.next_on_shard(*shard) if shard else self.ids.next()
        guild = Guild(guild_id, name, owner_id=self.owner.id)
        guild.roles[guild.id] = Role(guild.id, "@everyone", bits(*EVERYONE_DEFAULT))
        bot_role = Role(self.ids.next(), self.bot.name, bot_permissions, position=1)
        guild.roles[bot_role.id] = bot_role
        guild.members[self.bot.id] = Member(self.bot, guild, [bot_role])
        guild.members[self.owner.id] = Member(self.owner, guild, [])
        self.guilds[guild.id] = guild
        return guild

    def add_channel(self, guild: Guild, name: str) -> Channel:
        position = sum(1 for c in guild.channels.values() if not c.is_thread)
        channel = Channel(self.ids.next(), guild, name, position=position)
        guild.channels[channel.id] = self.channels[channel.id] = channel
        return channel

    def add_thread(
        self, parent: Channel, name: str, *, thread_id: int, owner: User, type_: int, archive: int
    ) -> Channel:
        thread = Channel(
            thread_id,
            parent.guild,
            name,
            type=type_,
            parent_id=parent.id,
            owner_id=owner.id,
            auto_archive_duration=archive,
        )
        parent.guild.channels[thread.id] = self.channels[thread.id] = thread
        return thread

    def add_member(self, guild: Guild, name: str, *, permissions: int = 0) -> Member:
        user = User(self.ids.next(), name)
        roles = []
        if permissions:
            role = Role(self.ids.next(), f"{name}-role", permissions, position=1)
            guild.roles[role.id] = role
            roles.append(role)
        member = Member(user, guild, roles)
        self.users[user.id] = user
        guild.members[user.id] = member
        return member

    def add_message(self, channel: Channel, author: User, **fields: Any) -> Message:
        message = Message(self.ids.next(), channel, author, **fields)
        if not message.ephemeral:
            self.messages[message.id] = message
            channel.last_message_id = message.id
            channel.message_count += 1
        return message

    # -- queries --------------------------------------------------------------------------------

    def bot_member(self, guild: Guild) -> Member:
        return guild.members[self.bot.id]

    def permissions(self, member: Member, channel: Channel) -> int:
        """Discord's algorithm: base role permissions, then @everyone, role and member overwrites."""
        guild = channel.guild
        if member.id == guild.owner_id:
            return ALL_PERMISSIONS
        value = guild.everyone.permissions
        for role in member.roles:
            value |= role.permissions
        if value & PERMISSIONS["administrator"]:
            return ALL_PERMISSIONS
        source = self.channels[channel.parent_id] if channel.parent_id else channel
        overwrites = source.overwrites
        everyone = overwrites.get(guild.id)
        if everyone:
            value = (value & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role in member.roles:
            if role.id in overwrites:
                allow |= overwrites[role.id].allow
                deny |= overwrites[role.id].deny
        value = (value & ~deny) | allow
        own = overwrites.get(member.id)
        if own:
            value = (value & ~own.deny) | own.allow
        return value if value & PERMISSIONS["view_channel"] else 0

    def history(self, channel: Channel) -> list[Message]:
        """Visible messages in a channel or thread, oldest first."""
        found = [m for m in self.messages.values() if m.channel is channel and not m.deleted]
        return sorted(found, key=lambda m: m.id)

    def find_command(self, guild: Guild, name: str, type_: int = 1) -> tuple[dict[str, Any], int | None]:
        """A registered command by name, guild scope first (as Discord shows it), with its guild id."""
        for scope in (guild.id, None):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == type_:
                    return command, scope
        registered = {scope: [c["name"] for c in cmds] for scope, cmds in self.commands.items()}
        raise LookupError(f"the bot registered no command {name!r} of type {type_}; registered: {registered}")

    def new_interaction(
        self,
        type_: InteractionType,
        user: Member,
        channel: Channel,
        data: dict[str, Any],
        message: Message | None = None,
    ) -> InteractionRecord:
        """An interaction and its INTERACTION_CREATE payload, as a Discord client click would create it."""
        interaction_id = self.ids.next()
        token = f"fake-interaction-{secrets.token_urlsafe(24)}"
        guild = channel.guild
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": type_,
            "token": token,
            "version": 1,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "member": user.payload(permissions=self.permissions(user, channel)),
            "app_permissions": str(self.permissions(self.bot_member(guild), channel)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
        }
        if message is not None:
            payload["message"] = message.payload(self.base_url)
        record = InteractionRecord(
            interaction_id, token, InteractionType(type_), user, channel, payload, message=message
        )
        self.interactions[interaction_id] = record
        return record
