"""What a vote form needs before its first response, kept in memory.

A modal must be an interaction's first response (no defer before it), so the rubric of an open
round is held here instead of read from the database on the hot path. It is only a cache: it is
rebuilt from the database at start and updated when rounds open and close.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import Criterion, Round


@dataclass(frozen=True, slots=True)
class OpenRound:
    round_id: int
    space_id: str
    criteria: tuple[Criterion, ...]
    thread_id: int | None
    blind: bool


class RoundCache:
    def __init__(self) -> None:
        self._by_round: dict[int, OpenRound] = {}
        self._by_thread: dict[int, int] = {}

    def remember(self, rnd: Round) -> None:
        thread_id = int(rnd.thread_ref) if rnd.thread_ref else None
        self._by_round[rnd.id] = OpenRound(rnd.id, rnd.space_id, rnd.question.criteria, thread_id, rnd.blind)
        if thread_id is not None:
            self._by_thread[thread_id] = rnd.id

    def forget(self, round_id: int) -> None:
        entry = self._by_round.pop(round_id, None)
        if entry and entry.thread_id is not None:
            self._by_thread.pop(entry.thread_id, None)

    def get(self, round_id: int) -> OpenRound | None:
        return self._by_round.get(round_id)

    def for_thread(self, thread_id: int) -> OpenRound | None:
        round_id = self._by_thread.get(thread_id)
        return self._by_round.get(round_id) if round_id is not None else None

    def __len__(self) -> int:
        return len(self._by_round)
