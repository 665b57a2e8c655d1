"""What a form needs before its first response, kept in memory: the open rounds' rubrics.

A form must be an interaction's first response on both platforms (Discord: no defer before a modal;
Slack: a `trigger_id` expires in 3 s and works once), so the rubric of an open round is held here
instead of read from the database on the hot path. It is only a cache: each front end rebuilds it
from the database at start (`remember` every `GrillService.due_rounds()`), remembers a round when
its post is out and forgets it when its results are posted. It holds the rounds of the spaces this
process owns; where a payload may reach any process (Slack), the front end asks the core's
read-through look-ups (`GrillService.open_round`, `thread_round`), which go to the database on a miss.

Thread refs are opaque text (a Discord thread id, a Slack parent `<channel>:<ts>`), looked up
within a space: two workspaces may hold the same ref.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from bot.core.models import Criterion, Round

CLOSED_KEPT = 10_000  # closed rounds whose thread is still known here, newest kept


@dataclass(frozen=True, slots=True)
class OpenRound:
    round_id: int
    space_id: str
    criteria: tuple[Criterion, ...]
    thread_ref: str | None
    blind: bool

    @classmethod
    def of(cls, rnd: Round) -> OpenRound:
        return cls(rnd.id, rnd.space_id, rnd.question.criteria, rnd.thread_ref, rnd.blind)


class RoundCache:
    def __init__(self) -> None:
        self._by_round: dict[int, OpenRound] = {}
        self._by_thread: dict[tuple[str, str], int] = {}
        self._closed: OrderedDict[tuple[str, str], int] = OrderedDict()

    def remember(self, rnd: Round) -> None:
        """Cache a live round (again: a later call with its thread ref replaces the entry)."""
        self._drop(rnd.id)
        entry = OpenRound.of(rnd)
        self._by_round[rnd.id] = entry
        if entry.thread_ref:
            self._by_thread[(entry.space_id, entry.thread_ref)] = rnd.id
            self._closed.pop((entry.space_id, entry.thread_ref), None)

    def forget(self, round_id: int) -> None:
        """The round closed: it opens no more forms. Its thread stays known to `round_in_thread`, so a
        reply in a thread the platform cannot lock still reaches the core, which refuses it politely."""
        entry = self._drop(round_id)
        if entry and entry.thread_ref:
            key = (entry.space_id, entry.thread_ref)
            self._closed[key] = round_id
            self._closed.move_to_end(key)
            while len(self._closed) > CLOSED_KEPT:
                self._closed.popitem(last=False)

    def _drop(self, round_id: int) -> OpenRound | None:
        entry = self._by_round.pop(round_id, None)
        if entry and entry.thread_ref:
            self._by_thread.pop((entry.space_id, entry.thread_ref), None)
        return entry

    def get(self, round_id: int) -> OpenRound | None:
        return self._by_round.get(round_id)

    def in_space(self, space_id: str, round_id: int) -> OpenRound | None:
        """The open round `round_id` when it is `space_id`'s; None for another space's or a closed one."""
        entry = self._by_round.get(round_id)
        return entry if entry is not None and entry.space_id == space_id else None

    def for_thread(self, space_id: str, thread_ref: str) -> OpenRound | None:
        """The open round whose thread is `thread_ref` in `space_id`, if any."""
        round_id = self._by_thread.get((space_id, thread_ref))
        return self._by_round.get(round_id) if round_id is not None else None

    def round_in_thread(self, space_id: str, thread_ref: str) -> int | None:
        """The id of the round whose thread is `thread_ref` in `space_id`, open or closed since this
        process started; hand a member's reply there to `ThreadService.take`, which refuses a late
        answer with a reason (Slack cannot lock a closed round's thread)."""
        open_round = self.for_thread(space_id, thread_ref)
        return open_round.round_id if open_round else self._closed.get((space_id, thread_ref))

    def __len__(self) -> int:
        return len(self._by_round)
