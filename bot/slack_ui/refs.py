"""Slack objects <-> the core's opaque refs.

Spaces are workspaces (`slack:<team_id>`), members are users (`slack:<user_id>`). A message is
named by its channel and its `ts` (`<channel>:<ts>`): a `ts` is unique only within a channel. A
round's thread ref is its post's `ts` (a Slack thread is its parent message).
"""

from __future__ import annotations

PREFIX = "slack:"


def space_ref(team_id: str) -> str:
    return f"{PREFIX}{team_id}"


def member_ref(user_id: str) -> str:
    return f"{PREFIX}{user_id}"


def user_of(member_id: str) -> str | None:
    """The Slack user id of a member ref, or None for another platform's member."""
    return member_id.removeprefix(PREFIX) if member_id.startswith(PREFIX) else None


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def split_message_ref(ref: str) -> tuple[str, str] | None:
    """(channel, ts) of a message ref, or None when the ref is not a Slack one."""
    channel, sep, ts = ref.partition(":")
    return (channel, ts) if sep and channel and ts else None
