"""The APScheduler wiring: cron in the space's zone (DST included), rebuilt from the database, idempotent."""

from datetime import UTC, datetime, timedelta

from bot.core.models import RoundState
from bot.jobs import GrillJobs

SPACE = "discord:1"


async def test_post_job_fires_at_local_nine_across_spring_forward(services):
    await services.grill.setup(SPACE, "c1", "09:00", "America/New_York", "daily")
    jobs = GrillJobs(services.grill)
    jobs.scheduler.start(paused=True)
    try:
        jobs.schedule_space(await services.spaces.settings(SPACE))
        trigger = jobs.scheduler.get_job(f"post:{SPACE}").trigger
        saturday = trigger.get_next_fire_time(None, datetime(2026, 3, 7, 0, 0, tzinfo=UTC))
        sunday = trigger.get_next_fire_time(None, saturday + timedelta(minutes=1))
        assert saturday.astimezone(UTC) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST
        assert sunday.astimezone(UTC) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT
    finally:
        jobs.shutdown()


async def test_weekdays_shape_the_cron_and_pause_removes_it(services):
    await services.grill.setup(SPACE, "c1", "18:30", "Europe/Paris", "mon,wed,fri")
    jobs = GrillJobs(services.grill)
    jobs.scheduler.start(paused=True)
    try:
        await jobs.reschedule(SPACE)
        trigger = jobs.scheduler.get_job(f"post:{SPACE}").trigger
        fire = trigger.get_next_fire_time(None, datetime(2026, 12, 1, 0, 0, tzinfo=UTC))  # a Tuesday
        assert fire.isoformat() == "2026-12-02T18:30:00+01:00"
        await services.grill.set_paused(SPACE, True)
        await jobs.reschedule(SPACE)
        assert jobs.scheduler.get_job(f"post:{SPACE}") is None
    finally:
        jobs.shutdown()


async def test_a_double_fire_posts_once(services, clock, publisher):
    await services.grill.setup(SPACE, "c1", "01:30", "America/New_York", "daily")
    clock.set(datetime(2026, 11, 1, 5, 30, tzinfo=UTC))  # 01:30 EDT, the first of two on fall-back day
    jobs = GrillJobs(services.grill)
    await jobs._post(SPACE)
    clock.set(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # 01:30 EST, the same local time again
    await jobs._post(SPACE)
    assert len(publisher.posts) == 1


async def test_start_rebuilds_jobs_and_runs_overdue_steps(services, clock, publisher):
    await services.grill.setup(SPACE, "c1", "09:00", "UTC", "daily")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    rnd = await services.grill.post_daily(SPACE)
    clock.set(rnd.closes_at + timedelta(minutes=5))  # the bot was down through the close
    jobs = GrillJobs(services.grill)
    await jobs.start(paused=True)
    try:
        assert jobs.scheduler.get_job(f"post:{SPACE}") is not None
        assert jobs.scheduler.get_job("sweep") is not None
        await jobs.wake()  # what the scheduler does at once after start, here under the fake clock
        assert (await services.rounds.get(rnd.id)).state is RoundState.CLOSED
        assert [r.round.id for r in publisher.results] == [rnd.id]
        assert len(publisher.posts) == 1  # today's post was already made: no catch-up
        assert await services.steps.next_wake() is None  # nothing is left to run but tomorrow's cron
    finally:
        jobs.shutdown()
