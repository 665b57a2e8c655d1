"""Leader election for a platform without sharding: the holder of the lock runs its spaces' steps."""

from datetime import UTC, datetime

from bot.core.ownership import Ownership, Shards
from bot.core.services.leader import Leadership, leader_lock
from bot.jobs import GrillJobs

SLACK = "slack:T1"
DISCORD = "discord:0"


class SharedLocks:
    """Two processes' view of one lock table: `try_lead` takes a free lock, keeps a held one."""

    def __init__(self, table: dict[str, str], me: str) -> None:
        self.table, self.me = table, me

    async def hold_for(self, name: str, seconds: float) -> None:
        raise AssertionError("not used here")

    async def try_lead(self, name: str) -> bool:
        return self.table.setdefault(name, self.me) == self.me

    async def close(self) -> None:
        self.table.clear()


def slack_process() -> Ownership:
    ownership = Ownership()
    ownership.shard("discord:", Shards((0,), 1), shift=22)
    ownership.lead("slack:")
    return ownership


async def test_only_the_lock_holder_leads_and_the_other_takes_over_when_it_goes():
    table: dict[str, str] = {}
    a, b = slack_process(), slack_process()
    first, second = Leadership(a, SharedLocks(table, "a")), Leadership(b, SharedLocks(table, "b"))
    assert await first.refresh() is True and a.owns(SLACK)
    assert await second.refresh() is False and not b.owns(SLACK)
    assert b.owns(DISCORD)  # the sharded platform is not part of the election
    del table[leader_lock("slack:")]  # the leader's session ended
    assert await second.refresh() is True and b.owns(SLACK)
    assert await first.refresh() is True and not a.owns(SLACK)  # it noticed and follows


async def test_without_cluster_locks_the_one_process_leads():
    ownership = slack_process()
    assert await Leadership(ownership, None).refresh() is True
    assert ownership.owns(SLACK)


async def test_a_follower_that_becomes_leader_takes_over_the_crons_and_missed_posts(services, clock, publisher):
    await services.grill.setup(SLACK, "C1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))  # today's slot passed
    table = {leader_lock("slack:"): "someone else"}
    services.grill.ownership.lead("slack:")
    jobs = GrillJobs(services.grill, locks=SharedLocks(table, "me"))
    await jobs.start(paused=True)
    try:
        assert jobs.scheduler.get_job(f"post:{SLACK}") is None and jobs.scheduler.get_job("lead") is not None
        await jobs.wake()
        assert publisher.posts == []  # a follower leaves the leader's spaces alone
        table.clear()
        await jobs.lead()  # the leader died: this process takes over
        assert jobs.scheduler.get_job(f"post:{SLACK}") is not None
        await jobs.wake()
        assert [p.space_id for p in publisher.posts] == [SLACK]  # the missed post, once
        table[leader_lock("slack:")] = "someone else"
        await jobs.lead()  # its lock went (its session broke): it hands the spaces back
        assert jobs.scheduler.get_job(f"post:{SLACK}") is None
    finally:
        jobs.shutdown()
