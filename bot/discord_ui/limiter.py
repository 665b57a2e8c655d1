"""A token bucket for the bot's own REST fan-out, under Discord's global 50 requests per second.

discord.py waits only when a route bucket is exhausted and has no proactive global limit, so a
daily post to many guilds at the same minute would burst into 429s. Every publisher request
takes a token first. The bucket starts nearly empty and holds only a small burst: a full bucket
of 45 plus 45 refilled in the same second would send 90 requests into Discord's 50 per second.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

EPSILON = 1e-9


class RateLimiter:
    def __init__(
        self,
        rate: float = 45.0,
        burst: int = 3,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self._clock, self._sleep = clock, sleep
        self._tokens = 1.0
        self._updated = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if (
                    self._tokens >= 1 - EPSILON
                ):  # a sleep computed to refill exactly one token may fall short by a rounding
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                await self._sleep((1 - self._tokens) / self.rate)
