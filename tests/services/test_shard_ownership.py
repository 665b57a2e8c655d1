"""Two processes on one database, each on its shard: each plans, schedules and runs only its servers."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest

from bot.app import Services, open_services
from bot.core.models import RoundState
from bot.core.ownership import Ownership, Shards
from bot.jobs import GrillJobs
from tests.conftest import FIXTURE_CONTENT
from tests.core.test_ownership import SHIFT, guild_on
from tests.fakes import FakePublisher

ON_ZERO, ON_ONE = guild_on(0, 2), guild_on(1, 2)


def shard(i: int) -> Ownership:
    ownership = Ownership()
    ownership.shard("discord:", Shards((i,), 2), shift=SHIFT)
    return ownership


@pytest.fixture
async def processes(database, clock, bank) -> AsyncIterator[list[tuple[Services, FakePublisher]]]:
    async with AsyncExitStack() as stack:
        both = []
        for i in (0, 1):
            publisher = FakePublisher()
            services = await stack.enter_async_context(
                open_services(
                    database, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank, ownership=shard(i)
                )
            )
            both.append((services, publisher))
        yield both


async def test_each_process_schedules_plans_and_posts_only_its_shards_servers(processes, clock):
    (zero, pub0), (one, pub1) = processes
    for space in (ON_ZERO, ON_ONE):
        await zero.grill.setup(space, "c1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))  # both slots passed while nothing ran
    jobs = [GrillJobs(zero.grill), GrillJobs(one.grill)]
    try:
        for j in jobs:
            await j.start(paused=True)
        assert [j.id for j in jobs[0].scheduler.get_jobs() if j.id.startswith("post:")] == [f"post:{ON_ZERO}"]
        assert [j.id for j in jobs[1].scheduler.get_jobs() if j.id.startswith("post:")] == [f"post:{ON_ONE}"]
        await jobs[0].wake()  # shard 0's runner leaves shard 1's missed post alone
        assert [p.space_id for p in pub0.posts] == [ON_ZERO] and pub1.posts == []
        assert (await one.rounds.daily_round(ON_ONE, clock.now().date())) is None
        await jobs[1].wake()
        assert [p.space_id for p in pub1.posts] == [ON_ONE]
        live = await zero.grill.due_rounds()
        assert [r.space_id for r in live] == [ON_ZERO]  # caches and read-backs see only their own rounds
        assert [r.space_id for r in await one.grill.due_rounds()] == [ON_ONE]
        assert all(r.state is RoundState.OPEN for r in live)
    finally:
        for j in jobs:
            j.shutdown()


async def test_a_setting_changed_elsewhere_never_adds_another_shards_cron(processes):
    (zero, _), _ = processes
    await zero.grill.setup(ON_ONE, "c1", "09:00", "UTC", "daily")
    jobs = GrillJobs(zero.grill)
    jobs.scheduler.start(paused=True)
    try:
        await jobs.reschedule(ON_ONE)
        assert jobs.scheduler.get_job(f"post:{ON_ONE}") is None
    finally:
        jobs.shutdown()


async def test_a_process_of_two_shards_holds_every_round_and_reads_back_shard_by_shard(database, clock, bank):
    ownership = Ownership()
    ownership.shard("discord:", Shards((0, 1), 2), shift=SHIFT)
    async with open_services(
        database, FIXTURE_CONTENT, clock=clock, publisher=FakePublisher(), bank=bank, ownership=ownership
    ) as services:
        rounds = {}
        for space in (ON_ZERO, ON_ONE):
            await services.grill.setup(space, "c1", "09:00", "UTC", "daily")
            rounds[space] = await services.grill.post_daily(space)
        threads = services.threads
        await threads.hold("discord:")  # at start, before any shard is ready
        assert not any(threads.caught_up(r.id) for r in rounds.values())
        [plan] = await threads.plans("discord:", shard=0)
        assert plan.round.id == rounds[ON_ZERO].id
        threads.done(plan.round.id)
        assert threads.caught_up(rounds[ON_ZERO].id) and not threads.caught_up(rounds[ON_ONE].id)
        assert [p.round.id for p in await threads.plans("discord:", shard=1)] == [rounds[ON_ONE].id]
