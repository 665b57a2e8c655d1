"""A process claims only its own spaces' steps: the scope's SQL agrees with the core's rule."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.core.ownership import Ownership, Shards
from bot.storage.engine import open_database
from bot.storage.scope import scope_sql
from bot.storage.steps import StepRepo
from tests.core.test_ownership import SHIFT, guild_on

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LEASE = NOW + timedelta(minutes=1)
SPACES = [guild_on(s, 3, n) for s in range(3) for n in range(2)] + ["slack:T1", "slack:T2", "discord:0"]


def process(ids: tuple[int, ...], *, leads_slack: bool = False) -> Ownership:
    ownership = Ownership()
    ownership.shard("discord:", Shards(ids, 3), shift=SHIFT)
    ownership.lead("slack:")
    ownership.set_leading("slack:", leads_slack)
    return ownership


@pytest.fixture
async def steps(database):
    async with open_database(database) as db:
        repo = StepRepo(db)
        for k, space in enumerate(SPACES):
            await repo.ensure_post(space, date(2026, 11, 30), NOW - timedelta(minutes=k))
        yield repo


@pytest.mark.parametrize(("ids", "leads"), [((0,), False), ((1, 2), True), ((2,), True), ((0, 1, 2), False)])
async def test_a_claim_takes_exactly_the_steps_the_core_says_are_owned(steps, ids, leads):
    ownership = process(ids, leads_slack=leads)
    claimed = await steps.claim("p", NOW, LEASE, 100, ownership.scope())
    assert sorted(s.space_id for s in claimed) == sorted(s for s in SPACES if ownership.owns(s))
    assert claimed  # every case owns something


async def test_processes_on_all_shards_share_every_step_once(steps):
    owners = [process((0,), leads_slack=True), process((1,)), process((2,))]
    taken = [s.space_id for o in owners for s in await steps.claim(str(id(o)), NOW, LEASE, 100, o.scope())]
    assert sorted(taken) == sorted(SPACES)


async def test_a_follower_of_slack_alone_claims_nothing_and_no_scope_claims_all(steps):
    follower = Ownership()
    follower.lead("slack:")  # not leading
    assert scope_sql(follower.scope()) == "1 = 0"
    assert await steps.claim("follower", NOW, LEASE, 100, follower.scope()) == []
    assert len(await steps.claim("one", NOW, LEASE, 100, None)) == len(SPACES)


async def test_the_next_wake_is_the_owned_spaces_earliest(steps):
    shard_one = process((1,))
    owned_due = [NOW - timedelta(minutes=k) for k, s in enumerate(SPACES) if shard_one.owns(s)]
    assert await steps.next_wake(shard_one.scope()) == min(owned_due)
    assert await steps.next_wake(None) == NOW - timedelta(minutes=len(SPACES) - 1)
