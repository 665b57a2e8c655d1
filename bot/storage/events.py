"""Inbound platform events already handled (`seen_events`), so a redelivered event counts once."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database, instant


class SeenEventRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def seen(self, space_id: str, event_key: str, now: datetime) -> bool:
        """True the first time (space, key) is recorded; the unique key settles races between processes."""
        async with self.db.write() as conn:
            cursor = await conn.execute(
                "INSERT INTO seen_events (space_id, event_key, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (space_id, event_key, instant(now)),
            )
        return cursor.rowcount == 1

    async def prune(self, before: datetime) -> int:
        async with self.db.write() as conn:
            cursor = await conn.execute("DELETE FROM seen_events WHERE seen_at < ?", (instant(before),))
        return cursor.rowcount
