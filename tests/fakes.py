"""Test doubles for the core's ports: a settable clock and a publisher that records what it was asked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.models import Answer, GuildSettings, Round, RoundResults
from bot.core.ports import RecordSent

RESULT_PARTS = ("results:0", "results:1")  # a results post long enough for two messages


class FakeClock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.current = start

    def now(self) -> datetime:
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@dataclass
class FakePublisher:
    """Records what it was asked. `fail[name]` holds errors raised by the next calls of that method
    (`results:1` fails the second results message, after the first went out)."""

    posts: list[Round] = field(default_factory=list)
    results: list[RoundResults] = field(default_factory=list)
    result_messages: list[tuple[int, str]] = field(default_factory=list)  # (round id, part) as sent
    reminders: list[tuple[Round, list[str]]] = field(default_factory=list)
    reveals: list[tuple[Round, Answer, str]] = field(default_factory=list)
    fail: dict[str, list[Exception]] = field(default_factory=dict)
    reading_back: set[int] = field(default_factory=set)
    fail_next_post: Exception | None = None

    def _maybe_fail(self, name: str) -> None:
        queued = self.fail.get(name)
        if queued:
            raise queued.pop(0)

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        if self.fail_next_post is not None:
            error, self.fail_next_post = self.fail_next_post, None
            raise error
        self._maybe_fail("post_round")
        self.posts.append(rnd)
        message_ref = str(1000 + len(self.posts))
        return message_ref, message_ref  # on Discord the thread id equals the message id

    async def find_post(self, rnd: Round) -> tuple[str, str | None] | None:
        for index, posted in enumerate(self.posts):
            if posted.id == rnd.id:
                ref = str(1001 + index)
                return ref, ref
        return None

    async def post_results(self, results: RoundResults, sent: Mapping[str, str], record: RecordSent) -> str | None:
        rnd_id = results.round.id
        for part in RESULT_PARTS:
            if part in sent:
                continue
            self._maybe_fail(part)
            self.result_messages.append((rnd_id, part))
            await record(part, f"{part}-{rnd_id}")
        self.results.append(results)
        return f"results:0-{rnd_id}"

    async def post_reminder(self, rnd: Round, pending: Sequence[str]) -> None:
        self._maybe_fail("post_reminder")
        self.reminders.append((rnd, list(pending)))

    async def reveal_answer(self, rnd: Round, answer: Answer, display_name: str) -> str | None:
        self._maybe_fail("reveal_answer")
        self.reveals.append((rnd, answer, display_name))
        return f"reveal-{answer.id}"

    def caught_up(self, rnd: Round) -> bool:
        return rnd.id not in self.reading_back
