"""The front ends' heartbeat in the database: what `python -m bot health` reads from another process.

Every BEAT_EVERY (30 s), while a front end's connection is live (its probe says so: Discord's ready
session with a finite latency, Slack's open Socket Mode connection), the current instant is written
to the `meta` table; MIN_GAP (29 s) between writes caps it at about two a minute however often `beat`
is called. A write that fails is logged and retried at the next beat: the health check then sees the
heartbeat age, which is the point. Two front ends in one process write the same row: the process is
healthy while either is connected.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.health import BEAT_EVERY, HEARTBEAT_KEY, should_record
from bot.core.ports import Clock
from bot.storage.db import instant
from bot.storage.meta import MetaRepo

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[tuple[bool, bool, float]]]
"""A front end's connection now: (ready, socket open, latency in seconds)."""


class Heartbeat:
    def __init__(self, meta: MetaRepo, clock: Clock) -> None:
        self.meta = meta
        self.clock = clock
        self.last: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, services: Services) -> Heartbeat:
        return cls(MetaRepo(services.db), services.clock)

    async def forget(self) -> None:
        """At start: a heartbeat left by an earlier process says nothing about this one."""
        await self.meta.delete(HEARTBEAT_KEY)
        self.last = None

    async def beat(self, *, ready: bool, socket_open: bool, latency: float) -> bool:
        """Record a heartbeat when the session is live and the last one is old enough; True if written."""
        now = self.clock.now()
        if not should_record(now, self.last, ready=ready, socket_open=socket_open, latency=latency):
            return False
        await self.meta.put(HEARTBEAT_KEY, instant(now))
        self.last = now
        return True

    async def beat_with(self, probe: Probe) -> bool:
        """`beat` with the probe's state; a failed write is logged (the health check will see the age)."""
        try:
            ready, socket_open, latency = await probe()
            return await self.beat(ready=ready, socket_open=socket_open, latency=latency)
        except Exception as error:  # a full disk must not end the loop or the caller
            log.warning("could not record the gateway heartbeat: %r", error)
            return False

    def run_with(self, probe: Probe, name: str) -> None:
        """Beat every BEAT_EVERY until `stop`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(probe), name=name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self, probe: Probe) -> None:
        while True:
            await self.beat_with(probe)
            await asyncio.sleep(BEAT_EVERY.total_seconds())
