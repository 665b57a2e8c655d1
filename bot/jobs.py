"""APScheduler jobs that drive the core's timed steps. The database, not the scheduler, is the truth.

Jobs store nothing: at start they are rebuilt from the database (explicit ids, replace_existing),
and rebuilt again for a space whenever its settings change. A daily post is a cron job in the
space's own time zone; close, reminder and reveal are one-off jobs at instants the round stores.
Steps that are already past when the bot starts run at once. Double fires (a DST fall-back, a
retry) are harmless: the core refuses a second round for a local date, and each step is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.core import schedule
from bot.core.errors import AlreadyPosted, DomainError
from bot.core.models import GuildSettings, Round, RoundState
from bot.core.services.rounds import GrillService

log = logging.getLogger(__name__)

POST_GRACE_SECONDS = 15 * 60  # a post delayed by a busy loop still goes out; longer outages use catch-up
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class GrillJobs:
    def __init__(self, grill: GrillService, on_round_posted: Callable[[Round], Awaitable[None]] | None = None) -> None:
        self.grill = grill
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.on_round_posted = on_round_posted

    async def start(self, *, paused: bool = False) -> None:
        """Start the scheduler (needs a running loop), finish interrupted posts, rebuild every job,
        then catch up missed posts. Tests start it paused: jobs are then only inspected, never fired
        by APScheduler's own (real) clock."""
        self.scheduler.start(paused=paused)
        await self.grill.recover_posting()
        for settings in await self.grill.spaces.configured_spaces():
            self.schedule_space(settings)
        for rnd in await self.grill.due_rounds():
            await self.schedule_round(rnd)
        for rnd in await self.grill.catch_up():
            await self.posted(rnd)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def schedule_space(self, settings: GuildSettings) -> None:
        job_id = f"post:{settings.space_id}"
        if settings.paused or settings.channel_ref is None:
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

    async def schedule_round(self, rnd: Round) -> None:
        """One-off jobs for a round's reveal, reminder and close; past ones run now."""
        if rnd.state is RoundState.POSTING:
            return
        settings = await self.grill.spaces.settings(rnd.space_id)
        now = self.grill.clock.now()
        steps: list[tuple[str, datetime | None, Callable[[int], Awaitable[object]]]] = [
            ("close", rnd.closes_at, self._close),
        ]
        if rnd.state is RoundState.OPEN:
            if rnd.blind and not rnd.revealed:
                steps.append(("reveal", rnd.answers_close_at, self._reveal))
            if not rnd.reminded:
                steps.append(("remind", schedule.reminder_at(settings, rnd.opened_at, rnd.closes_at), self._remind))
        for kind, when, step in steps:
            if when is None:
                continue
            self.scheduler.add_job(
                step,
                DateTrigger(max(when, now + timedelta(seconds=1))),
                args=[rnd.id],
                id=f"{kind}:{rnd.id}",
                replace_existing=True,
                misfire_grace_time=None,
            )

    def cancel_round(self, round_id: int) -> None:
        for kind in ("close", "reveal", "remind"):
            job = self.scheduler.get_job(f"{kind}:{round_id}")
            if job:
                job.remove()

    async def posted(self, rnd: Round) -> None:
        """After any post (scheduled, manual or shared): its timed steps, and the front end's hook."""
        await self.schedule_round(rnd)
        if self.on_round_posted:
            await self.on_round_posted(rnd)

    async def _post(self, space_id: str) -> None:
        try:
            rnd = await self.grill.post_daily(space_id, scheduled=True)
        except AlreadyPosted:
            log.info("space %s: nothing to post (already posted, paused or skipped)", space_id)
            return
        except DomainError as error:
            log.warning("space %s: scheduled post refused: %s", space_id, error.message)
            return
        except Exception:
            log.exception("space %s: scheduled post failed", space_id)
            return
        await self.posted(rnd)

    async def _close(self, round_id: int) -> None:
        try:
            await self.grill.close_round(round_id)
        except Exception:
            log.exception("round %s: close failed; it will be retried at the next start", round_id)
        self.cancel_round(round_id)

    async def _remind(self, round_id: int) -> None:
        try:
            await self.grill.remind(round_id)
        except Exception:
            log.exception("round %s: reminder failed", round_id)

    async def _reveal(self, round_id: int) -> None:
        try:
            await self.grill.reveal(round_id)
        except Exception:
            log.exception("round %s: reveal failed", round_id)
