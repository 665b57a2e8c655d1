"""Per-channel pacing for the bot's own fan-outs (the blind reveal, long results): about 1 message/s.

Slack allows `chat.postMessage` about one message per second per channel, with short bursts, and
answers 429 past it. The Web client retries 429s (slack_sdk's rate-limit retry handler waits the
`Retry-After`), so this only keeps a fan-out of many messages from relying on 429s. Each channel
has its own queue (a lock) and the instant its last message may have gone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class ChannelPacer:
    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._clock, self._sleep = clock, sleep
        self._last: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def acquire(self, channel: str) -> None:
        """Wait for the channel's turn: at least `interval` after its previous message."""
        lock = self._locks.setdefault(channel, asyncio.Lock())
        async with lock:
            last = self._last.get(channel)
            if last is not None:
                wait = last + self.interval - self._clock()
                if wait > 0:
                    await self._sleep(wait)
            self._last[channel] = self._clock()
