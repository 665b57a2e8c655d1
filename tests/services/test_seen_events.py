"""Inbound event idempotency: a redelivered event is handled once, per space, and old records are pruned."""

import asyncio

from bot.app import open_services
from bot.jobs import GrillJobs
from tests.conftest import FIXTURE_CONTENT

SLACK_A, SLACK_B = "slack:T0A", "slack:T0B"


async def stored_events(services) -> int:
    async with services.db.read() as conn:
        return int(await conn.fetch_value("SELECT COUNT(*) FROM seen_events"))


async def test_an_event_is_new_once_per_space(services):
    events = services.events
    assert await events.first_time(SLACK_A, "Ev01") is True
    assert await events.first_time(SLACK_A, "Ev01") is False  # Slack's redelivery, retry_attempt 1
    assert await events.first_time(SLACK_A, "Ev01") is False
    assert await events.first_time(SLACK_B, "Ev01") is True  # another workspace's event with the same id
    assert await events.first_time(SLACK_A, "Ev02") is True


async def test_two_processes_handed_one_event_agree_on_one_handler(db_path, clock, publisher, bank):
    async with (
        open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as one,
        open_services(db_path, FIXTURE_CONTENT, clock=clock, publisher=publisher, bank=bank) as two,
    ):
        verdicts = await asyncio.gather(
            *(svc.events.first_time(SLACK_A, "Ev77") for svc in (one, two, one, two, one, two))
        )
    assert sorted(verdicts) == [False] * 5 + [True]


async def test_records_older_than_a_day_are_pruned_hourly(services, clock):
    events = services.events
    await events.first_time(SLACK_A, "a")
    clock.advance(minutes=30)
    await events.first_time(SLACK_A, "b")
    clock.advance(hours=23, minutes=40)  # "a" is 24 h 10 min old, "b" 23 h 40 min
    assert await events.prune() == 1
    assert await events.first_time(SLACK_A, "b") is False  # still remembered
    clock.advance(minutes=40)  # "b" is past a day now, but the last prune was 40 minutes ago
    assert await events.prune() == 0
    clock.advance(minutes=25)
    assert await events.prune() == 1
    assert await stored_events(services) == 0
    assert await events.first_time(SLACK_A, "a") is True  # forgotten: long past any redelivery


async def test_the_sweep_prunes_seen_events(services, clock):
    jobs = GrillJobs(services.grill, services.events)
    await services.events.first_time(SLACK_A, "Ev01")
    clock.advance(days=1, seconds=1)
    await jobs.wake()
    assert await stored_events(services) == 0
