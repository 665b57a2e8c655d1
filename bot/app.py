"""Composition root: settings -> database -> stores -> services. Front ends get a `Services`.

One process may run several front ends (Discord and Slack) on one database and one step runner:
`open_runtime` wires the services with a `PublisherRouter`, which hands each timed step to the
publisher of its space's platform (the prefix of the space id), and one `GrillJobs`.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.core.content import Bank
from bot.core.content_cache import cache_path_for, load_bank_cached
from bot.core.models import Answer, GuildSettings, Round, RoundResults
from bot.core.platform import Platform, Platforms
from bot.core.ports import Clock, Publisher, RecordSent, SystemClock
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
from bot.jobs import GrillJobs
from bot.settings import Settings
from bot.storage.boards import BoardRepo
from bot.storage.drills import DrillRepo
from bot.storage.engine import Database, open_database
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


def runner_name() -> str:
    """Names this process's claims on timed steps: unique per start, readable in the database."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def open_services(
    database: str,
    content_dir: Path,
    clock: Clock | None = None,
    publisher: Publisher | None = None,
    bank: Bank | None = None,
    step_lease: timedelta = LEASE,
    platforms: Sequence[Platform] = (),
) -> AsyncIterator[Services]:
    """Open the database (migrating it), add the packs servers imported to the bank, and wire every
    service; closes the database on exit. `database` is a SQLite path or a `postgresql://` URL
    (`Settings.database`). `step_lease` is how long a claimed timed step stays this
    process's before another may take it (GRILLBOT_STEP_LEASE_SECONDS). The shipped content is
    validated once per change of its bytes (`bot.core.content_cache`, next to the database).
    `platforms` are the front ends served: their words and limits for their spaces' messages."""
    bank = bank or load_bank_cached(content_dir, cache_path_for(database))
    clock = clock or SystemClock()
    served = Platforms(*platforms)
    async with open_database(database) as db:
        spaces, rounds, boards, drill_repo = SpaceRepo(db), RoundRepo(db), BoardRepo(db), DrillRepo(db)
        steps = StepRepo(db)
        board_service = BoardService(spaces, rounds, boards, clock)
        grill = GrillService(
            bank, spaces, rounds, steps, clock, publisher, runner_name(), lease=step_lease, platforms=served
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
        )


class FrontEndRefused(Exception):
    """A platform refused the front end's credentials or set-up; the message says what to fix."""


class NoFrontEnd(RuntimeError):
    """A step of a space whose platform no front end of this process serves (its tokens are unset)."""


@dataclass
class PublisherRouter:
    """The core's Publisher for every front end of the process: each call goes to the publisher of
    the space's platform, named by the space id's prefix (`discord:`, `slack:`).

    A platform's rounds are not `caught_up` until its front end said it is `ready` (connected, with
    the open rounds it must read back marked), so an overdue close never runs before its read-back.
    A space of a platform this process does not serve raises NoFrontEnd: the step is retried, then
    given up, like any other failure."""

    publishers: dict[str, Publisher] = field(default_factory=dict)
    ready: set[str] = field(default_factory=set)

    def add(self, prefix: str, publisher: Publisher) -> None:
        self.publishers[prefix] = publisher

    def mark_ready(self, prefix: str) -> None:
        self.ready.add(prefix)

    @staticmethod
    def prefix_of(space_id: str) -> str:
        platform, sep, _ = space_id.partition(":")
        return f"{platform}{sep}"

    def _for(self, space_id: str) -> Publisher:
        publisher = self.publishers.get(self.prefix_of(space_id))
        if publisher is None:
            raise NoFrontEnd(f"no front end for {self.prefix_of(space_id) or space_id} spaces runs in this process")
        return publisher

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        return await self._for(settings.space_id).post_round(rnd, settings)

    async def find_post(self, rnd: Round) -> tuple[str, str | None] | None:
        return await self._for(rnd.space_id).find_post(rnd)

    async def post_results(self, results: RoundResults, sent: Mapping[str, str], record: RecordSent) -> str | None:
        return await self._for(results.round.space_id).post_results(results, sent, record)

    async def post_reminder(self, rnd: Round, pending: Sequence[str]) -> None:
        await self._for(rnd.space_id).post_reminder(rnd, pending)

    async def reveal_answer(self, rnd: Round, answer: Answer, display_name: str) -> str | None:
        return await self._for(rnd.space_id).reveal_answer(rnd, answer, display_name)

    def caught_up(self, rnd: Round) -> bool:
        prefix = self.prefix_of(rnd.space_id)
        publisher = self.publishers.get(prefix)
        if publisher is None:
            return True  # nothing here can read it back; closing is the database's alone
        return prefix in self.ready and publisher.caught_up(rnd)


@dataclass(slots=True)
class Runtime:
    """What every front end of a process shares: the services, the publisher router, the step runner's jobs."""

    services: Services
    publishers: PublisherRouter
    jobs: GrillJobs


@asynccontextmanager
async def open_runtime(
    settings: Settings, platforms: Sequence[Platform] = (), clock: Clock | None = None
) -> AsyncIterator[Runtime]:
    """The services for `platforms` (their words and limits) with a publisher router, and the jobs
    that wake the step runner (started by the first front end that is ready); the jobs stop and the
    database closes on exit."""
    router = PublisherRouter()
    async with open_services(
        settings.database,
        settings.content_dir,
        clock=clock,
        publisher=router,
        step_lease=timedelta(seconds=settings.step_lease_seconds),
        platforms=platforms,
    ) as services:
        jobs = GrillJobs(services.grill, services.events)
        try:
            yield Runtime(services, router, jobs)
        finally:
            jobs.shutdown()
