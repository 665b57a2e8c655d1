"""Which spaces this process runs the timed work of, when several processes share one database.

A platform either shards its spaces across processes (Discord: a server belongs to shard
`(guild_id >> 22) % shard_count`, and each process runs some of the shards), or has no sharding
(Slack: any socket gets any payload), and then one leader among the processes runs its spaces.
Everything a process does on its own clock asks this: the step claims (`scope`, turned into SQL by
the store), the post crons and the start-up catch-up, the thread read-backs and the rubric cache
(`owns`). So no space's timed work runs in two processes, and none is left without one.

With nothing registered (the core's tests, the terminal), a process owns every space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = re.compile(r"[a-z][a-z0-9_]*:")


@dataclass(frozen=True, slots=True)
class Shards:
    """The shards one process runs, out of `count`: GRILLBOT_SHARDS=0,1/4 is Shards((0, 1), 4)."""

    ids: tuple[int, ...]
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or len(set(self.ids)) != len(self.ids):
            raise ValueError(f"not a shard set: {self.ids} of {self.count}")
        if not all(0 <= i < self.count for i in self.ids):
            raise ValueError(f"shard ids {self.ids} must be between 0 and {self.count - 1}")

    @property
    def share(self) -> float:
        """This process's part of the whole bot: what its share of a per-bot budget is."""
        return len(self.ids) / self.count

    @property
    def label(self) -> str:
        return f"{','.join(map(str, self.ids))}/{self.count}"


ONE_PROCESS = Shards((0,), 1)


@dataclass(frozen=True, slots=True)
class ShardRule:
    """A sharded platform: a space `<prefix><number>` is on shard `(number >> shift) % shards.count`."""

    prefix: str
    shards: Shards
    shift: int

    def shard_of(self, space_id: str) -> int | None:
        """The shard a space of this platform is on; None for another platform's space."""
        number = space_id.removeprefix(self.prefix)
        if number == space_id or not number.isdigit():
            return None
        return (int(number) >> self.shift) % self.shards.count

    def owns(self, space_id: str) -> bool:
        return self.shard_of(space_id) in self.shards.ids


@dataclass(frozen=True, slots=True)
class SpaceScope:
    """The spaces a process owns right now, for a store to filter its claims with: every space of
    the `whole` prefixes, and the spaces of each sharded rule that fall on its shards."""

    whole: tuple[str, ...]
    sharded: tuple[ShardRule, ...]

    def owns(self, space_id: str) -> bool:
        return space_id.startswith(self.whole) or any(rule.owns(space_id) for rule in self.sharded)


def _checked(prefix: str) -> str:
    if not PREFIX.fullmatch(prefix):
        raise ValueError(f"a space prefix is lowercase letters, digits or _ then ':', not {prefix!r}")
    return prefix


class Ownership:
    def __init__(self) -> None:
        self._sharded: dict[str, ShardRule] = {}
        self._leading: dict[str, bool] = {}  # prefix -> this process holds the platform's leader lock

    def shard(self, prefix: str, shards: Shards, *, shift: int) -> None:
        """A platform whose spaces are spread over shards; this process runs `shards`."""
        self._sharded[_checked(prefix)] = ShardRule(prefix, shards, shift)

    def shard_of(self, space_id: str) -> int | None:
        """The shard of a space of a sharded platform; None for any other space."""
        return next((s for r in self._sharded.values() if (s := r.shard_of(space_id)) is not None), None)

    def lead(self, prefix: str) -> None:
        """A platform without sharding: its spaces are this process's only while it is the leader."""
        self._leading.setdefault(_checked(prefix), False)

    @property
    def led(self) -> tuple[str, ...]:
        """The prefixes this process competes to lead."""
        return tuple(self._leading)

    @property
    def leading(self) -> bool:
        """True while this process leads at least one platform."""
        return any(self._leading.values())

    def set_leading(self, prefix: str, leading: bool) -> bool:
        """Record whether this process leads `prefix`; True when that changed."""
        changed = self._leading[prefix] != leading
        self._leading[prefix] = leading
        return changed

    def scope(self) -> SpaceScope | None:
        """None when nothing is registered: every space is this process's (one process, as before)."""
        if not self._sharded and not self._leading:
            return None
        whole = tuple(p for p, leading in self._leading.items() if leading)
        whole += tuple(p for p, rule in self._sharded.items() if rule.shards.count == 1)
        return SpaceScope(whole, tuple(rule for rule in self._sharded.values() if rule.shards.count > 1))

    def owns(self, space_id: str) -> bool:
        scope = self.scope()
        return scope is None or scope.owns(space_id)
