"""The gateway heartbeat in the database: what `python -m bot health` reads from another process.

Every BEAT_EVERY (30 s), while discord.py has a ready session on an open websocket with a finite
latency, the current instant is written to the `meta` table; MIN_GAP (29 s) between writes caps it
at about two a minute however often `beat` is called. A write that fails is logged and retried at the
next beat: the health check then sees the heartbeat age, which is the point.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

import discord

from bot.core.health import BEAT_EVERY, HEARTBEAT_KEY, should_record
from bot.core.ports import Clock
from bot.storage.db import instant
from bot.storage.meta import MetaRepo

log = logging.getLogger(__name__)


def sockets_open(client: discord.Client) -> bool:
    """The websocket is open; for a sharded client, every one of this process's shards' sockets."""
    if isinstance(client, discord.AutoShardedClient):
        return bool(client.shards) and all(not shard.is_closed() for shard in client.shards.values())
    ws = client.ws
    return ws is not None and ws.open


class GatewayHeartbeat:
    def __init__(self, meta: MetaRepo, clock: Clock, key: str = HEARTBEAT_KEY) -> None:
        self.meta = meta
        self.clock = clock
        self.key = key  # one row per process of a sharded bot (`bot.core.health.heartbeat_key`)
        self.last: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    async def forget(self) -> None:
        """At start: a heartbeat left by an earlier process says nothing about this one."""
        await self.meta.delete(self.key)
        self.last = None

    async def beat(self, *, ready: bool, socket_open: bool, latency: float) -> bool:
        """Record a heartbeat when the session is live and the last one is old enough; True if written."""
        now = self.clock.now()
        if not should_record(now, self.last, ready=ready, socket_open=socket_open, latency=latency):
            return False
        await self.meta.put(self.key, instant(now))
        self.last = now
        return True

    async def beat_client(self, client: discord.Client) -> bool:
        """`beat` with discord.py's state; a failed write is logged (the health check will see the age)."""
        try:
            return await self.beat(ready=client.is_ready(), socket_open=sockets_open(client), latency=client.latency)
        except Exception as error:  # a full disk must not end the loop or the caller
            log.warning("could not record the gateway heartbeat: %r", error)
            return False

    def start(self, client: discord.Client) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(client), name="gateway-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self, client: discord.Client) -> None:
        while True:
            await self.beat_client(client)
            await asyncio.sleep(BEAT_EVERY.total_seconds())
