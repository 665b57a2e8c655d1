"""Inbound platform events already handled (`seen_events`), so a redelivered event counts once."""

from __future__ import annotations

from datetime import datetime

from bot.storage.engine import Database


class SeenEventRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def seen(self, space_id: str, event_key: str, now: datetime) -> bool:
        """True the first time (space, key) is recorded; the unique key settles races between processes."""
        async with self.db.write() as conn:
            inserted = await conn.execute(
                "INSERT INTO seen_events (space_id, event_key, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (space_id, event_key, now),
            )
        return inserted == 1

    async def prune(self, before: datetime) -> int:
        async with self.db.write() as conn:
            return await conn.execute("DELETE FROM seen_events WHERE seen_at < ?", (before,))
