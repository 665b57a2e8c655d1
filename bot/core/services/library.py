"""Question packs a server imports (SPEC section 2): validated like shipped packs, seen only there.

An imported pack is stored as uploaded and joins the in-memory bank with its questions marked as
the server's own, so the daily grill, drills and classify of that server draw on it and no other
server sees it. Question ids stay unique across everything loaded, so answers and drill cards
never confuse two questions. Importing a pack id the server already has replaces that pack.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from bot.core.content import Bank, Pack, Problem, long_form_problems, parse_pack, refuse_broken_long_forms
from bot.core.errors import InvalidInput
from bot.core.models import TYPE_IDS, StoredPack
from bot.core.ports import Clock, PackStore

log = logging.getLogger(__name__)


class PackRefused(InvalidInput):
    """The uploaded pack has problems; each is `file:line: message`."""

    code = "pack_refused"

    def __init__(self, problems: list[Problem]) -> None:
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"The pack was not imported. Fix these and upload it again:\n{lines}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ImportReceipt:
    pack: Pack
    replaced: bool
    per_type: dict[str, int]


class LibraryService:
    def __init__(self, bank: Bank, store: PackStore, clock: Clock) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock

    async def load_imported(self) -> int:
        """At start: add every stored pack to the bank; a pack that no longer validates is skipped."""
        loaded = 0
        for stored in await self.store.all():
            pack, problems = self._validate(stored.space_id, stored.filename, stored.source, long_forms=False)
            if pack is None:
                log.warning("imported pack %s of %s no longer loads: %s", stored.pack_id, stored.space_id, problems)
                continue
            self.bank.add_pack(pack)
            loaded += 1
        packs, seen = len(self.bank.packs), len(self.bank.problems)
        refuse_broken_long_forms(self.bank)  # once all are in: a server's pack may name another of its packs
        for problem in self.bank.problems[seen:]:
            log.warning("an imported pack no longer loads: %s", problem)
        return loaded - (packs - len(self.bank.packs))

    async def import_pack(self, space_id: str, member_id: str, filename: str, data: bytes) -> ImportReceipt:
        pack, problems = self._validate(space_id, filename, data)
        if pack is None:
            raise PackRefused(problems)
        replaced = pack.key in self.bank.packs
        await self.store.save(StoredPack(space_id, pack.id, filename, data), member_id, self.clock.now())
        if replaced:
            self.bank.remove_pack(pack.key)
        self.bank.add_pack(pack)
        per_type = Counter(q.type for q in pack.questions)
        return ImportReceipt(pack, replaced, {t: per_type[t] for t in TYPE_IDS if per_type[t]})

    def _validate(
        self, space_id: str, filename: str, data: bytes, *, long_forms: bool = True
    ) -> tuple[Pack | None, list[Problem]]:
        """Validate an upload; its question ids must be new, except those of the pack it replaces.

        The first pass learns the pack id (so which pack would be replaced), the second checks ids.
        """
        first, problems = parse_pack(data, filename, self.bank.types, {}, space_id)
        if first is None:
            return None, problems
        previous = self.bank.packs.get(first.key)
        replacing = {q.id for q in previous.questions} if previous else set()
        taken = {
            qid: f"pack '{q.pack}'" if q.visible_in(space_id) else "another server's pack"
            for qid, q in self.bank.questions.items()
            if qid not in replacing
        }
        pack, problems = parse_pack(data, filename, self.bank.types, taken, space_id)
        if pack is None or not long_forms:
            return pack, problems
        others = {qid: q for qid, q in self.bank.questions.items() if qid not in replacing}
        problems = long_form_problems(pack, others)
        return (None, problems) if problems else (pack, [])
