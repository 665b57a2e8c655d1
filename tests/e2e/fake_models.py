"""Discord objects the fake stores, and the JSON payloads Discord sends for them.

Plain data, no I/O. Field names follow Discord's; `payload()` methods return what the API or the
gateway would carry, so discord.py parses them as it parses Discord's own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
HAS_THREAD = 1 << 5
COMPONENTS_V2 = 1 << 15
TEXT_CHANNEL, PUBLIC_THREAD, PRIVATE_THREAD = 0, 11, 12


class InteractionType(IntEnum):
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(IntEnum):
    MESSAGE = 4
    DEFERRED = 5  # "thinking"; the first followup replaces the loading message
    DEFERRED_UPDATE = 6
    UPDATE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


# The permission bits we model, named like discord.py's `Permissions` attributes.
PERMISSIONS: dict[str, int] = {
    "administrator": 1 << 3,
    "manage_channels": 1 << 4,
    "manage_guild": 1 << 5,
    "add_reactions": 1 << 6,
    "view_channel": 1 << 10,
    "send_messages": 1 << 11,
    "manage_messages": 1 << 13,
    "embed_links": 1 << 14,
    "attach_files": 1 << 15,
    "read_message_history": 1 << 16,
    "mention_everyone": 1 << 17,
    "use_external_emojis": 1 << 18,
    "use_application_commands": 1 << 31,
    "manage_threads": 1 << 34,
    "create_public_threads": 1 << 35,
    "create_private_threads": 1 << 36,
    "send_messages_in_threads": 1 << 38,
}
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_DEFAULT = (
    "view_channel",
    "send_messages",
    "add_reactions",
    "embed_links",
    "attach_files",
    "read_message_history",
    "use_external_emojis",
    "use_application_commands",
    "create_public_threads",
    "send_messages_in_threads",
)
BOT_DEFAULT = (*EVERYONE_DEFAULT, "manage_threads", "manage_messages")


def bits(*names: str) -> int:
    """OR of the named permission bits; an unknown name is a test bug, so it raises."""
    value = 0
    for name in names:
        value |= PERMISSIONS[name]
    return value


def iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat()


def snowflake_time(snowflake: int) -> float:
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass(eq=False)
class Role:
    id: int
    name: str
    permissions: int
    position: int = 0

    def payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }


@dataclass(eq=False)
class Member:
    user: User
    guild: Guild = field(repr=False)
    roles: list[Role]
    joined_at: float = field(default_factory=time.time)

    @property
    def id(self) -> int:
        return self.user.id

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": [str(r.id) for r in self.roles],
            "joined_at": iso(self.joined_at),
            "nick": None,
            "avatar": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass(eq=False)
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    """A text channel, or a thread when `parent_id` is set."""

    id: int
    guild: Guild = field(repr=False)
    name: str
    type: int = TEXT_CHANNEL
    position: int = 0
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    parent_id: int | None = None
    owner_id: int | None = None
    archived: bool = False
    locked: bool = False
    auto_archive_duration: int = 1440
    archive_timestamp: float = field(default_factory=time.time)
    last_message_id: int | None = None
    message_count: int = 0

    @property
    def is_thread(self) -> bool:
        return self.parent_id is not None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "guild_id": str(self.guild.id),
            "name": self.name,
            "type": self.type,
            "last_message_id": str(self.last_message_id) if self.last_message_id else None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if self.is_thread:
            data |= {
                "parent_id": str(self.parent_id),
                "owner_id": str(self.owner_id),
                "message_count": self.message_count,
                "total_message_sent": self.message_count,
                "member_count": 1,
                "thread_metadata": {
                    "archived": self.archived,
                    "locked": self.locked,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": iso(self.archive_timestamp),
                    "create_timestamp": iso(snowflake_time(self.id)),
                    "invitable": True,
                },
            }
        else:
            data |= {
                "position": self.position,
                "topic": self.topic,
                "nsfw": False,
                "parent_id": None,
                "permission_overwrites": [o.payload() for o in self.overwrites.values()],
                "default_auto_archive_duration": 1440,
            }
        return data


@dataclass(eq=False)
class Attachment:
    id: int
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"

    def payload(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}/attachments/{self.id}/{self.filename}"
        return {
            "id": str(self.id),
            "filename": self.filename,
            "size": len(self.data),
            "url": url,
            "proxy_url": url,
            "content_type": self.content_type,
        }


def emoji_payload(emoji: str) -> dict[str, Any]:
    """A unicode emoji ("✅") or a custom one as it appears in reaction routes ("name:id")."""
    name, _, custom_id = emoji.partition(":")
    return {"id": custom_id or None, "name": name}


def walk_components(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component in a tree: action rows, containers, sections (accessory), labels (component)."""
    for component in components:
        yield component
        yield from walk_components(component.get("components", []))
        for key in ("component", "accessory"):
            if key in component:
                yield from walk_components([component[key]])


@dataclass(eq=False)
class Message:
    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    flags: int = 0
    type: int = 0
    edited_at: float | None = None
    webhook_id: int | None = None
    interaction_metadata: dict[str, Any] | None = None
    message_reference: dict[str, Any] | None = None
    mentions: list[User] = field(default_factory=list)
    reactions: dict[str, list[User]] = field(default_factory=dict)  # emoji ("✅" or "name:id") -> who reacted
    thread: Channel | None = None
    deleted: bool = False

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def text(self) -> str:
        """Content plus every embed's title, description and fields: what a reader sees, for asserts."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            for f in embed.get("fields", []):
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append(embed.get("footer", {}).get("text", ""))
        for component in walk_components(self.components):
            if component.get("type") == 10:  # text display
                parts.append(component.get("content", ""))
        return "\n".join(p for p in parts if p)

    def component(self, *, custom_id: str | None = None, label: str | None = None) -> dict[str, Any]:
        """The first interactive component with this custom_id and/or label; raises listing what is there."""
        interactive = [c for c in walk_components(self.components) if "custom_id" in c]
        for c in interactive:
            if custom_id in (None, c["custom_id"]) and label in (None, c.get("label")):
                return c
        have = [(c.get("label"), c["custom_id"]) for c in interactive]
        raise LookupError(f"message {self.id} has no component {custom_id=} {label=}; it has {have}")

    def payload(self, base_url: str, *, member: Member | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "guild_id": str(self.channel.guild.id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(snowflake_time(self.id)),
            "edited_timestamp": iso(self.edited_at) if self.edited_at else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [u.payload() for u in self.mentions],
            "mention_roles": [],
            "attachments": [a.payload(base_url) for a in self.attachments],
            "embeds": self.embeds,
            "components": self.components,
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
        }
        if member is not None:
            data["member"] = member.payload(with_user=False)
        if self.webhook_id:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata:
            data["interaction_metadata"] = self.interaction_metadata
        if self.message_reference:
            data["message_reference"] = self.message_reference
        if self.thread is not None:
            data["thread"] = self.thread.payload()
        if self.reactions:
            data["reactions"] = [
                {
                    "emoji": emoji_payload(emoji),
                    "count": len(users),
                    "count_details": {"normal": len(users), "burst": 0},
                    "me": any(u.bot for u in users),  # the fake hosts one bot, so a bot reaction is "me"
                    "me_burst": False,
                    "burst_colors": [],
                }
                for emoji, users in self.reactions.items()
                if users
            ]
        return data


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict, repr=False)
    channels: dict[int, Channel] = field(default_factory=dict, repr=False)  # text channels and threads
    members: dict[int, Member] = field(default_factory=dict, repr=False)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def create_payload(self, *, members: list[Member]) -> dict[str, Any]:
        """GUILD_CREATE: the full guild with its channels, active threads and the given members."""
        channels = [c for c in self.channels.values() if not c.is_thread]
        threads = [c for c in self.channels.values() if c.is_thread and not c.archived]
        return {
            "id": str(self.id),
            "name": self.name,
            "unavailable": False,
            "owner_id": str(self.owner_id),
            "icon": None,
            "splash": None,
            "banner": None,
            "description": None,
            "features": [],
            "roles": [r.payload() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "channels": [c.payload() for c in channels],
            "threads": [t.payload() for t in threads],
            "members": [m.payload() for m in members],
            "member_count": len(self.members),
            "large": False,
            "joined_at": iso(snowflake_time(self.id)),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "afk_timeout": 300,
        }


@dataclass(eq=False)
class Callback:
    """One POST to /interactions/{id}/{token}/callback, as the bot sent it."""

    type: CallbackType
    data: dict[str, Any]
    at: float


@dataclass(eq=False)
class InteractionRecord:
    id: int
    token: str
    type: InteractionType
    user: Member
    channel: Channel
    payload: dict[str, Any]
    message: Message | None = None  # the message a component was on
    sent_at: float | None = None  # when the INTERACTION_CREATE frame reached a live socket
    callbacks: list[Callback] = field(default_factory=list)
    original: Message | None = None  # the response message (type 4/5), or the updated one (type 7)
    followups: list[Message] = field(default_factory=list)
    edits: int = 0  # PATCHes of @original

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to the bot's first callback; None while unanswered or undelivered."""
        if self.sent_at is None or not self.callbacks:
            return None
        return self.callbacks[0].at - self.sent_at
