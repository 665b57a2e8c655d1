"""Deployment facts kept between restarts (for example the synced command hash)."""

from __future__ import annotations

from bot.storage.engine import Database


class MetaRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.read() as conn:
            value: str | None = await conn.fetch_value("SELECT value FROM meta WHERE key = ?", (key,))
        return value

    async def put(self, key: str, value: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def delete(self, key: str) -> None:
        async with self.db.write() as conn:
            await conn.execute("DELETE FROM meta WHERE key = ?", (key,))
