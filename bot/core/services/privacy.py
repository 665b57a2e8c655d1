"""Members' own data: export it or delete it; admins export their space (SPEC section 7)."""

from __future__ import annotations

import json
from typing import Any

from bot.core.ports import Clock, PrivacyStore

EXPORT_FORMAT = "grillbot-export/1"


class PrivacyService:
    def __init__(self, store: PrivacyStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def export_member(self, space_id: str, member_id: str) -> bytes:
        data = await self.store.export_member(space_id, member_id)
        return self._document("member", space_id, data, member_id=member_id)

    async def export_space(self, space_id: str) -> bytes:
        return self._document("space", space_id, await self.store.export_space(space_id))

    async def forget_member(self, space_id: str, member_id: str) -> int:
        return await self.store.forget_member(space_id, member_id)

    def _document(self, scope: str, space_id: str, data: dict[str, Any], **extra: str) -> bytes:
        document = {
            "format": EXPORT_FORMAT,
            "scope": scope,
            "space_id": space_id,
            **extra,
            "exported_at": self.clock.now().isoformat(),
            **data,
        }
        return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()
