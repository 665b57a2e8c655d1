"""Packs imported by a server, stored as uploaded."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import StoredPack
from bot.storage.engine import Database


class PackRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, pack: StoredPack, imported_by: str, now: datetime) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO space_packs (space_id, pack_id, filename, source, imported_by, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (space_id, pack_id) DO UPDATE SET "
                "filename = excluded.filename, source = excluded.source, imported_by = excluded.imported_by, "
                "imported_at = excluded.imported_at",
                (pack.space_id, pack.pack_id, pack.filename, pack.source, imported_by, now),
            )

    async def all(self) -> list[StoredPack]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                "SELECT space_id, pack_id, filename, source FROM space_packs ORDER BY imported_at"
            )
        return [StoredPack(r["space_id"], r["pack_id"], r["filename"], bytes(r["source"])) for r in rows]
