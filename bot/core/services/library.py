"""Question packs a server imports (SPEC section 2): validated like shipped packs, seen only there.

An imported pack is stored as uploaded and joins the in-memory bank with its questions marked as
the server's own, so the daily grill, drills and classify of that server draw on it and no other
server sees it. Question ids stay unique across everything loaded, so answers and drill cards
never confuse two questions. Importing a pack id the server already has replaces that pack.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.content import Bank, Pack, Problem, long_form_problems, parse_pack, refuse_broken_long_forms
from bot.core.errors import InvalidInput
from bot.core.models import TYPE_IDS, StoredPack
from bot.core.platform import Platforms
from bot.core.ports import Clock, PackStore

log = logging.getLogger(__name__)

MAX_SPACE_PACKS = 20  # imported packs per server
MAX_SPACE_QUESTIONS = 2000  # imported questions per server, across its packs


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
    def __init__(self, bank: Bank, store: PackStore, clock: Clock, platforms: Platforms | None = None) -> None:
        self.bank = bank
        self.store = store
        self.clock = clock
        self.platforms = platforms or Platforms()
        self._imports: dict[str, asyncio.Lock] = {}  # one import at a time per space

    async def load_imported(self) -> int:
        """At start: add every stored pack to the bank; a pack that no longer validates is skipped."""
        loaded = 0
        for stored in await self.store.all():
            taken = self._taken(stored.space_id)
            pack, problems = parse_pack(stored.source, stored.filename, self.bank.types, taken, stored.space_id)
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
        """Validate, store and load a server's pack, within the server's caps.

        A server's imports run one at a time, behind a per-space `asyncio.Lock`: the caps and the
        replace read the in-memory bank and change it, and the bank lives in this process, so an
        in-process lock is the guard that matters (one process serves a server; spreading a server
        over several processes would need a database guard instead). The pack is parsed once, in a
        worker thread, so a 1 MiB upload does not stall the event loop for everyone else.
        """
        async with self._imports.setdefault(space_id, asyncio.Lock()):
            taken = self._taken(space_id)
            pack, problems = await asyncio.to_thread(parse_pack, data, filename, self.bank.types, taken, space_id)
            if pack is None:
                raise PackRefused(problems)
            others = {
                qid: q for qid, q in self.bank.questions.items() if not (q.pack == pack.id and q.space_id == space_id)
            }
            long_form_refusals = long_form_problems(pack, others, space=self.platforms.of(space_id).space)
            if long_form_refusals:
                raise PackRefused(long_form_refusals)
            self._check_caps(space_id, pack)
            replaced = pack.key in self.bank.packs
            await self.store.save(StoredPack(space_id, pack.id, filename, data), member_id, self.clock.now())
            if replaced:
                self.bank.remove_pack(pack.key)
            self.bank.add_pack(pack)
        per_type = Counter(q.type for q in pack.questions)
        return ImportReceipt(pack, replaced, {t: per_type[t] for t in TYPE_IDS if per_type[t]})

    def _taken(self, space_id: str) -> Callable[[str], dict[str, str]]:
        """For a pack id: the question ids an upload with that id may not reuse, with where each is
        defined. A pack that replaces one of the server's own may reuse that pack's ids. Built from
        a snapshot, so the parse may run in a worker thread while the bank changes."""
        owners = [(qid, q.pack, q.space_id) for qid, q in self.bank.questions.items()]
        elsewhere = self.platforms.words(space_id, "another {space}'s pack")

        def taken(pack_id: str) -> dict[str, str]:
            return {
                qid: f"pack '{pack}'" if owner in (None, space_id) else elsewhere
                for qid, pack, owner in owners
                if not (pack == pack_id and owner == space_id)
            }

        return taken

    def _check_caps(self, space_id: str, pack: Pack) -> None:
        others = [p for key, p in self.bank.packs.items() if p.space_id == space_id and key != pack.key]
        space = self.platforms.of(space_id).space
        if len(others) >= MAX_SPACE_PACKS:
            raise InvalidInput(
                f"This {space} already has {MAX_SPACE_PACKS} imported packs, the most it can hold. "
                "To change one, import it again under the same `pack:` id (it replaces that pack)."
            )
        total = len(pack.questions) + sum(len(p.questions) for p in others)
        if total > MAX_SPACE_QUESTIONS:
            raise InvalidInput(
                f"The pack was not imported: it would bring this {space}'s imported questions to {total:,}, "
                f"and the cap is {MAX_SPACE_QUESTIONS:,} across all its packs. Trim the pack, or import it "
                "under the `pack:` id of a pack it should replace."
            )
