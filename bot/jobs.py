"""APScheduler wakes the step runner; the database is the queue and the truth (bot/core/services/steps.py).

No job stores anything, so nothing needs sharing between processes:
- a cron per configured space at its local post time (in the space's own zone, so DST is right)
  makes today's post step due;
- a one-off wake-up at the next instant a step becomes claimable (a due time or a lease running out);
- a sweep every 30 s, which also finds steps that another process added (and, hourly, prunes the
  record of inbound events handled more than a day ago).
All of it only for the spaces this process owns (`bot.core.ownership`): its shards' servers, and the
spaces of the platforms it leads. A process that takes part in a leader election (a platform
without sharding) tries the leader lock every 30 s, takes the platform's spaces over when it wins
(the same rebuild as at start) and hands them back when it loses; while it leads, each try also
resyncs the crons, since any process may have received the settings change.
At start the crons are rebuilt from the settings, live rounds get any step they lack, and a post
missed while the bot was down becomes a step if its day is not over. Double fires (a DST fall-back,
a restart) are harmless: a post step is unique per space and local date, and runs once.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core import schedule
from bot.core.models import GuildSettings
from bot.core.ports import ClusterLocks
from bot.core.services.events import InboundEvents
from bot.core.services.leader import LEAD_RETRY, Leadership
from bot.core.services.rounds import GrillService

log = logging.getLogger(__name__)

POST_GRACE_SECONDS = 15 * 60  # a post delayed by a busy loop still goes out; longer outages use catch-up
SWEEP_SECONDS = 30
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class GrillJobs:
    def __init__(
        self, grill: GrillService, events: InboundEvents | None = None, locks: ClusterLocks | None = None
    ) -> None:
        self.grill = grill
        self.events = events
        self.leadership = Leadership(grill.ownership, locks)
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def start(self, *, paused: bool = False) -> None:
        """Start the scheduler (needs a running loop), then rebuild from the database and wake the runner.

        Tests start it paused: jobs are then only inspected, never fired by APScheduler's own (real)
        clock, and the tests run the steps themselves with `wake()` under their fake clock."""
        self.scheduler.start(paused=paused)
        await self.leadership.refresh()
        await self.adopt()
        self.scheduler.add_job(
            self.wake, IntervalTrigger(seconds=SWEEP_SECONDS), id="sweep", replace_existing=True, coalesce=True
        )
        if self.grill.ownership.led:
            self.scheduler.add_job(
                self.lead, IntervalTrigger(seconds=LEAD_RETRY.total_seconds()), id="lead", coalesce=True
            )
        log.info("timed steps running: the start's catch-up is planned")

    async def adopt(self) -> None:
        """Rebuild what this process owns from the database (at start, and when it becomes or stops
        being a leader): interrupted posts, live rounds' steps, the post crons, missed posts."""
        await self.grill.recover_posting()
        await self.grill.plan_open_rounds()
        await self.sync_crons()
        await self.grill.plan_missed_posts()
        self.wake_soon()

    async def sync_crons(self) -> None:
        """A post cron for each owned configured space, and none for any other."""
        owned = await self.grill.owned_spaces()
        kept = {f"post:{s.space_id}" for s in owned}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("post:") and job.id not in kept:
                job.remove()
        for settings in owned:
            self.schedule_space(settings)

    async def lead(self) -> None:
        """Every LEAD_RETRY: try (or keep) the leader locks; take over or hand back those spaces' work."""
        try:
            if await self.leadership.refresh():
                await self.adopt()
            elif self.grill.ownership.leading:  # settings changed by another process's handler
                await self.sync_crons()
        except Exception:
            log.exception("the leader check failed; the next one retries")

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def schedule_space(self, settings: GuildSettings) -> None:
        job_id = f"post:{settings.space_id}"
        if settings.paused or settings.channel_ref is None or not self.grill.ownership.owns(settings.space_id):
            if self.scheduler.get_job(job_id):
                self.scheduler.remove_job(job_id)
            return
        at = schedule.parse_post_time(settings.post_time)
        trigger = CronTrigger(
            day_of_week=",".join(DAY_NAMES[d - 1] for d in settings.weekdays),
            hour=at.hour,
            minute=at.minute,
            timezone=ZoneInfo(settings.timezone),
        )
        self.scheduler.add_job(
            self._post,
            trigger,
            args=[settings.space_id],
            id=job_id,
            replace_existing=True,
            misfire_grace_time=POST_GRACE_SECONDS,
            coalesce=True,
        )

    async def reschedule(self, space_id: str) -> None:
        self.schedule_space(await self.grill.spaces.settings(space_id))

    def wake_soon(self) -> None:
        """Run due steps now, off the caller's path (after a post, a close, a setting change)."""
        if self.scheduler.running:
            self.scheduler.add_job(self.wake, id="wake", replace_existing=True, misfire_grace_time=None)

    async def wake(self) -> None:
        """Run every claimable step, then set the one-off wake-up at the next due instant."""
        try:
            await self.grill.runner.run_due()
        except Exception:
            log.exception("the step sweep failed; the next one retries")
        if self.events is not None:
            try:
                await self.events.prune()
            except Exception:
                log.exception("pruning seen events failed; the next sweep retries")
        at = await self.grill.steps.next_wake(self.grill.ownership.scope())
        if at is not None and self.scheduler.running:
            run_at = max(at, self.grill.clock.now()) + timedelta(milliseconds=50)
            self.scheduler.add_job(
                self.wake, DateTrigger(run_at), id="wake", replace_existing=True, misfire_grace_time=None
            )

    async def _post(self, space_id: str) -> None:
        try:
            await self.grill.post_due(space_id)
        except Exception:
            log.exception("space %s: could not plan today's post; the catch-up at start will", space_id)
        await self.wake()
