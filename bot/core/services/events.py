"""Idempotency for inbound platform events: each is handled once, however often it is delivered.

Slack redelivers an event it thinks failed (an ack later than 3 s) with the same `event_id`, up to
three more times over about five minutes; a front end asks `first_time` before it acts on an event
and drops it when that says False. Keys are scoped by space, so two workspaces never collide. A
record is kept for `KEEP` (far past the last redelivery), then pruned by the periodic sweep.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.ports import Clock, SeenEventStore

KEEP = timedelta(days=1)
PRUNE_EVERY = timedelta(hours=1)


class InboundEvents:
    def __init__(self, store: SeenEventStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._pruned_at: datetime | None = None

    async def first_time(self, space_id: str, event_key: str) -> bool:
        """True the first time this space's event is seen (handle it); False for a redelivery (drop it)."""
        return await self.store.seen(space_id, event_key, self.clock.now())

    async def prune(self) -> int:
        """Forget events older than KEEP, at most once per PRUNE_EVERY; how many went (0 when not due)."""
        now = self.clock.now()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return 0
        self._pruned_at = now
        return await self.store.prune(now - KEEP)
