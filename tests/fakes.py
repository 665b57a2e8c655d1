"""Test doubles for the core's ports: a settable clock and a publisher that records what it was asked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.models import Answer, GuildSettings, Round, RoundResults


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
    posts: list[Round] = field(default_factory=list)
    results: list[RoundResults] = field(default_factory=list)
    reminders: list[tuple[Round, list[str]]] = field(default_factory=list)
    reveals: list[tuple[Round, list[tuple[Answer, str]]]] = field(default_factory=list)
    fail_next_post: Exception | None = None

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        if self.fail_next_post is not None:
            error, self.fail_next_post = self.fail_next_post, None
            raise error
        self.posts.append(rnd)
        message_ref = str(1000 + len(self.posts))
        return message_ref, message_ref  # on Discord the thread id equals the message id

    async def find_post(self, rnd: Round) -> tuple[str, str | None] | None:
        for index, posted in enumerate(self.posts):
            if posted.id == rnd.id:
                ref = str(1001 + index)
                return ref, ref
        return None

    async def post_results(self, results: RoundResults) -> str | None:
        self.results.append(results)
        return f"results-{results.round.id}"

    async def post_reminder(self, rnd: Round, pending: Sequence[str]) -> None:
        self.reminders.append((rnd, list(pending)))

    async def reveal_answers(self, rnd: Round, answers: Sequence[tuple[Answer, str]]) -> dict[int, str]:
        self.reveals.append((rnd, list(answers)))
        return {answer.id: f"reveal-{answer.id}" for answer, _ in answers}
