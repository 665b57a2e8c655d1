"""Is the bot healthy at time T: the pure rules behind `python -m bot health` and the heartbeat writer."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.health import (
    HEARTBEAT_KEY,
    MAX_AGE,
    MIN_GAP,
    describe,
    gateway_alive,
    heartbeat_key,
    judge,
    should_record,
)
from bot.core.ownership import Shards

T = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LIVE = {"ready": True, "socket_open": True, "latency": 0.05}


def test_a_fresh_heartbeat_is_healthy():
    health = judge(T, T - timedelta(seconds=42))
    assert health.ok
    assert health.reason == "last gateway heartbeat 42 s ago"


def test_just_under_the_limit_is_healthy_and_at_the_limit_is_not():
    assert judge(T, T - MAX_AGE + timedelta(seconds=1)).ok
    stale = judge(T, T - MAX_AGE)
    assert not stale.ok
    assert stale.reason == "last gateway heartbeat is 2 min 0 s old (limit 2 min 0 s)"


def test_a_stale_heartbeat_says_how_old_it_is():
    assert (
        judge(T, T - timedelta(hours=5, minutes=3)).reason
        == "last gateway heartbeat is 5 h 3 min old (limit 2 min 0 s)"
    )
    assert "is 3 d 1 h old" in judge(T, T - timedelta(days=3, hours=1)).reason


def test_no_heartbeat_means_never_connected():
    health = judge(T, None)
    assert not health.ok
    assert "never connected" in health.reason


def test_a_heartbeat_far_in_the_future_proves_nothing_but_a_little_skew_is_fine():
    assert judge(T, T + timedelta(seconds=5)).ok
    ahead = judge(T, T + timedelta(minutes=10))
    assert not ahead.ok
    assert "10 min 0 s in the future" in ahead.reason


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        judge(T.replace(tzinfo=None), None)
    with pytest.raises(ValueError):
        judge(T, T.replace(tzinfo=None))


def test_the_limit_can_be_chosen():
    assert not judge(T, T - timedelta(seconds=31), max_age=timedelta(seconds=30)).ok


@pytest.mark.parametrize(
    ("ready", "socket_open", "latency", "alive"),
    [
        (True, True, 0.05, True),
        (True, True, 0.0, True),
        (False, True, 0.05, False),  # before READY
        (True, False, 0.05, False),  # is_ready() stays true while discord.py reconnects
        (True, True, float("inf"), False),  # no keep-alive yet
        (True, True, float("nan"), False),  # no websocket
        (True, True, -1.0, False),
    ],
)
def test_only_a_ready_open_session_with_a_finite_latency_is_alive(ready, socket_open, latency, alive):
    assert gateway_alive(ready, socket_open, latency) is alive


def test_records_at_most_once_per_gap():
    assert should_record(T, None, **LIVE)
    assert not should_record(T, T - MIN_GAP + timedelta(seconds=1), **LIVE)
    assert should_record(T, T - MIN_GAP, **LIVE)
    assert not should_record(T, None, ready=True, socket_open=False, latency=0.05)


def test_the_gap_caps_writes_near_two_a_minute_however_often_asked():
    last, writes = None, 0
    for second in range(0, 600):  # asked every second for ten minutes
        now = T + timedelta(seconds=second)
        if should_record(now, last, **LIVE):
            last, writes = now, writes + 1
    assert writes == 21  # at 0, 29, ..., 580 s: about two a minute even when asked every second


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(0), "0 s"),
        (timedelta(seconds=59.9), "59 s"),
        (timedelta(minutes=2, seconds=5), "2 min 5 s"),
        (timedelta(hours=1), "1 h 0 min"),
        (timedelta(days=2, hours=3, minutes=4), "2 d 3 h"),
    ],
)
def test_describe(span, text):
    assert describe(span) == text


def test_each_process_of_a_sharded_bot_has_its_own_heartbeat_row():
    assert heartbeat_key(None) == HEARTBEAT_KEY == "gateway:heartbeat"
    assert heartbeat_key(Shards((0, 1), 4)) == "gateway:heartbeat:0,1/4" != heartbeat_key(Shards((2, 3), 4))
