"""Discord objects <-> the core's opaque refs. Spaces and members carry a platform prefix."""

from __future__ import annotations

PREFIX = "discord:"


def space_ref(guild_id: int) -> str:
    return f"{PREFIX}{guild_id}"


def member_ref(user_id: int) -> str:
    return f"{PREFIX}{user_id}"
