"""Composition root: settings -> database -> stores -> services. Front ends get a `Services`."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bot.core.content import Bank
from bot.core.content_cache import cache_path_for, load_bank_cached
from bot.core.ownership import Ownership
from bot.core.platform import Platform, Platforms
from bot.core.ports import Clock, ClusterLocks, Publisher, SystemClock
from bot.core.services.boards import BoardService
from bot.core.services.drills import DrillService
from bot.core.services.events import InboundEvents
from bot.core.services.library import LibraryService
from bot.core.services.privacy import PrivacyService
from bot.core.services.rating import RatingService
from bot.core.services.rounds import GrillService
from bot.core.services.stats import StatsService
from bot.core.services.steps import LEASE
from bot.core.services.threads import ThreadService
from bot.core.services.votes import VoteService
from bot.storage.boards import BoardRepo
from bot.storage.drills import DrillRepo
from bot.storage.engine import Database, is_postgres_url, open_database
from bot.storage.events import SeenEventRepo
from bot.storage.packs import PackRepo
from bot.storage.privacy import PrivacyRepo
from bot.storage.rounds import RoundRepo
from bot.storage.spaces import SpaceRepo
from bot.storage.steps import StepRepo
from bot.storage.votes import VoteRepo


@dataclass(slots=True)
class Services:
    bank: Bank
    db: Database
    clock: Clock
    spaces: SpaceRepo
    rounds: RoundRepo
    steps: StepRepo
    grill: GrillService
    votes: VoteService
    boards: BoardService
    drills: DrillService
    stats: StatsService
    privacy: PrivacyService
    library: LibraryService
    events: InboundEvents
    platforms: Platforms
    rating: RatingService
    threads: ThreadService
    locks: ClusterLocks | None = None  # None: one process on SQLite, nothing to coordinate


def runner_name() -> str:
    """Names this process's claims on timed steps: unique per start, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def cluster_locks(database: str) -> AsyncIterator[ClusterLocks | None]:
    """PostgreSQL advisory locks for processes sharing the database; None for a SQLite file (one process)."""
    if not is_postgres_url(database):
        yield None
        return
    from bot.storage.locks import PgLocks  # asyncpg is loaded only when PostgreSQL is used

    locks = PgLocks(database)
    try:
        yield locks
    finally:
        await locks.close()


@asynccontextmanager
async def open_services(
    database: str,
    content_dir: Path,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    bank: Bank | None = None,
    step_lease: timedelta = LEASE,
    platforms: Sequence[Platform] = (),
    ownership: Ownership | None = None,
) -> AsyncIterator[Services]:
    """Open the database (migrating it), add the packs servers imported to the bank, and wire every
    service; closes the database on exit. `database` is a SQLite path or a `postgresql://` URL
    (`Settings.database`). `step_lease` is how long a claimed timed step stays this
    process's before another may take it (GRILLBOT_STEP_LEASE_SECONDS); `ownership` names the spaces
    whose timed work this process runs (every space when None). The shipped content is
    validated once per change of its bytes (`bot.core.content_cache`, next to the database).
    `platforms` are the front ends served: their words and limits for their spaces' messages."""
    bank = bank or load_bank_cached(content_dir, cache_path_for(database))
    clock = clock or SystemClock()
    served = Platforms(*platforms)
    async with open_database(database) as db, cluster_locks(database) as locks:
        spaces, rounds, boards, drill_repo = SpaceRepo(db), RoundRepo(db), BoardRepo(db), DrillRepo(db)
        steps = StepRepo(db)
        board_service = BoardService(spaces, rounds, boards, clock)
        grill = GrillService(
            bank,
            spaces,
            rounds,
            steps,
            clock,
            publisher,
            runner_name(),
            lease=step_lease,
            platforms=served,
            ownership=ownership,
        )
        drills = DrillService(bank, drill_repo, clock, grill=grill, platforms=served)
        library = LibraryService(bank, PackRepo(db), clock, served)
        await library.load_imported()
        votes = VoteService(VoteRepo(db), rounds, clock, served)
        yield Services(
            bank=bank,
            db=db,
            clock=clock,
            spaces=spaces,
            rounds=rounds,
            steps=steps,
            grill=grill,
            votes=votes,
            boards=board_service,
            drills=drills,
            stats=StatsService(bank, board_service, drills, drill_repo, spaces, clock),
            privacy=PrivacyService(PrivacyRepo(db), clock),
            library=library,
            events=InboundEvents(SeenEventRepo(db), clock),
            platforms=served,
            rating=RatingService(grill, votes, spaces, clock, served),
            threads=ThreadService(grill),
            locks=locks,
        )
