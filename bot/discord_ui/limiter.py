"""A token bucket for the bot's own REST fan-out, under Discord's global 50 requests per second.

discord.py waits only when a route bucket is exhausted and has no proactive global limit, so a
daily post to many guilds at the same minute would burst into 429s. Every publisher request
takes a token first.
"""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    def __init__(self, rate: float = 45.0, burst: int = 45) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)
