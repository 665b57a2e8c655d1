"""Is the bot healthy at time T? Pure rules for `python -m bot health` and the heartbeat writer.

The bot records a gateway heartbeat (an instant) while discord.py reports a ready, connected
session; the health check reads it back and judges it here, with the clock passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.ownership import Shards

HEARTBEAT_KEY = "gateway:heartbeat"  # the `meta` row the bot writes and the health check reads
MAX_AGE = timedelta(minutes=2)  # a heartbeat older than this means the gateway is gone
BEAT_EVERY = timedelta(seconds=30)  # how often the bot tries to record one
MIN_GAP = timedelta(seconds=29)  # never two writes closer than this: at most ~2 a minute, whatever calls


def heartbeat_key(shards: Shards | None) -> str:
    """Each process of a sharded bot records its own heartbeat (`gateway:heartbeat:0,1/4`), so one
    process's start or outage never hides or fakes another's; the check reads its GRILLBOT_SHARDS' row."""
    return HEARTBEAT_KEY if shards is None else f"{HEARTBEAT_KEY}:{shards.label}"


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    reason: str


def gateway_alive(ready: bool, socket_open: bool, latency: float) -> bool:
    """discord.py's view of the session: READY received, the websocket open, and a finite heartbeat
    latency (`Client.latency` is NaN without a websocket and infinite before HELLO). `is_ready()`
    stays true across a disconnect, so the open socket is what tells a reconnect apart; discord.py
    closes a socket whose heartbeats go unacknowledged."""
    return ready and socket_open and math.isfinite(latency) and latency >= 0


def should_record(
    now: datetime, last_recorded: datetime | None, *, ready: bool, socket_open: bool, latency: float
) -> bool:
    """Record a heartbeat now? Only for a live session, and not within MIN_GAP of the last one."""
    if not gateway_alive(ready, socket_open, latency):
        return False
    return last_recorded is None or now - last_recorded >= MIN_GAP


def judge(now: datetime, heartbeat: datetime | None, max_age: timedelta = MAX_AGE) -> Health:
    """Healthy when the last heartbeat is younger than `max_age` at `now` (the database answered:
    reading it is the caller's part). A heartbeat from the future beyond `max_age` means the clock
    moved and proves nothing, so it fails too."""
    if now.tzinfo is None or (heartbeat is not None and heartbeat.tzinfo is None):
        raise ValueError("instants must be timezone-aware")
    if heartbeat is None:
        return Health(False, "the bot has never connected to the Discord gateway since it started (no heartbeat)")
    age = now - heartbeat
    if age >= max_age:
        return Health(False, f"last gateway heartbeat is {describe(age)} old (limit {describe(max_age)})")
    if -age >= max_age:
        return Health(False, f"last gateway heartbeat is {describe(-age)} in the future: has the clock moved?")
    return Health(True, f"last gateway heartbeat {describe(max(age, timedelta(0)))} ago")


def describe(span: timedelta) -> str:
    """A duration for a person: `42 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`."""
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
