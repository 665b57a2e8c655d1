"""The front end's words and limits, picked by space id; the open rounds' rubric cache, by space and ref."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.models import Criterion, QuestionSnapshot, Round, RoundState
from bot.core.platform import DEFAULT, Platform, Platforms
from bot.core.round_cache import RoundCache
from bot.core.services.rounds import ROUND_NOT_HERE
from bot.discord_ui.platform import DISCORD

SLACK = Platform(name="slack", space="workspace", answer_limit=3000)
THREAD = "C0GRILL01:1700000000.000100"  # a Slack parent message: the same ref in two workspaces


def test_a_space_gets_its_platforms_words_and_limit():
    served = Platforms(DISCORD, SLACK)
    assert served.of("slack:T0A") is SLACK and served.of("discord:1") is DISCORD
    assert served.of("terminal") is DEFAULT and served.of("matrix:!x") is DEFAULT
    assert served.words("slack:T0A", ROUND_NOT_HERE).startswith("That round isn't one of this workspace's rounds")
    assert "this server's grill post" in served.words("discord:1", ROUND_NOT_HERE)
    assert "{space}" not in served.words("terminal", ROUND_NOT_HERE)
    assert (DISCORD.answer_limit, SLACK.answer_limit, DISCORD.name) == (4000, 3000, "discord")


def round_in(space: str, round_id: int, thread: str | None) -> Round:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    question = QuestionSnapshot("q", "coding", "Prompt?", (), 1, (), (), (Criterion("c", "C", "d"),))
    return Round(
        round_id, space, "daily", None, RoundState.OPEN, question, "C0GRILL01", thread, thread, at, at, at, blind=False
    )


def test_the_cache_finds_a_thread_within_its_space_only():
    cache = RoundCache()
    cache.remember(round_in("slack:T0A", 1, THREAD))
    cache.remember(round_in("slack:T0B", 2, THREAD))
    assert cache.for_thread("slack:T0A", THREAD).round_id == 1
    assert cache.for_thread("slack:T0B", THREAD).round_id == 2
    assert cache.for_thread("slack:T0C", THREAD) is None
    assert cache.for_thread("slack:T0A", "C0GRILL01:1700000000.0001") is None  # refs are compared exactly
    assert cache.in_space("slack:T0A", 1).thread_ref == THREAD and cache.in_space("slack:T0B", 1) is None
    cache.forget(1)
    assert cache.for_thread("slack:T0A", THREAD) is None and cache.for_thread("slack:T0B", THREAD).round_id == 2
    assert len(cache) == 1


def test_remembering_a_round_again_moves_its_thread():
    cache = RoundCache()
    posting = round_in("discord:1", 5, None)
    cache.remember(posting)
    assert cache.get(5).thread_ref is None
    cache.remember(replace(posting, thread_ref="1234"))
    cache.remember(replace(posting, thread_ref="5678"))
    assert cache.for_thread("discord:1", "1234") is None and cache.for_thread("discord:1", "5678").round_id == 5


def test_a_closed_rounds_thread_stays_known_so_late_replies_reach_the_core():
    cache = RoundCache()
    cache.remember(round_in("slack:T0A", 1, THREAD))
    assert cache.round_in_thread("slack:T0A", THREAD) == 1
    cache.forget(1)  # results posted: no more forms, but Slack's thread still takes replies
    assert cache.for_thread("slack:T0A", THREAD) is None and cache.get(1) is None
    assert cache.round_in_thread("slack:T0A", THREAD) == 1
    assert cache.round_in_thread("slack:T0B", THREAD) is None
    cache.remember(round_in("slack:T0A", 2, THREAD))  # a ref reused by a new round wins
    assert cache.round_in_thread("slack:T0A", THREAD) == 2


def test_the_closed_threads_kept_are_bounded(monkeypatch):
    monkeypatch.setattr("bot.core.round_cache.CLOSED_KEPT", 2)
    cache = RoundCache()
    for n in range(1, 4):
        cache.remember(round_in("slack:T0A", n, f"C0GRILL01:170000000{n}.000100"))
        cache.forget(n)
    assert [cache.round_in_thread("slack:T0A", f"C0GRILL01:170000000{n}.000100") for n in range(1, 4)] == [None, 2, 3]
