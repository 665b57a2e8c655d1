"""The step runner: claims due timed steps from the database, performs them, records the outcome.

    due ──claim (lease)──▶ running ──platform confirmed──▶ done
     ▲                      │  │
     │  retry with backoff  │  └──refused for good, or 24 h of failures──▶ failed
     └──────────────────────┘
     (a lease that runs out, because its runner died, makes the step claimable again)

Claims are conditional UPDATEs, so any number of runners, in this process or others, share the
queue without running a step twice. A runner claims only the steps of the spaces its process owns
(`bot.core.ownership`: its shards, or the platforms it leads); an admin's `run_now` claims any.
A step is marked done only after `perform` returned, that is after the platform confirmed.
Steps are independent: one that fails never holds up another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.core.errors import SpaceFault, StepNotReady, StepRefused
from bot.core.models import Step, StepKind
from bot.core.ownership import Ownership
from bot.core.ports import Clock, SpaceStore, StepStore

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # the default; renewed while the step runs; a dead runner's steps free up after this
RENEWALS_PER_LEASE = 3  # a running step's lease is extended this often within one lease
CONCURRENCY = 20  # steps in flight per runner; the posting limiter paces their requests
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(hours=24)
NOT_READY_WAIT = timedelta(seconds=5)
JITTER = 0.2  # retries of many steps that failed together spread over this share of the delay
ERROR_CHARS = 500
PLATFORM_STEPS = frozenset({StepKind.POST, StepKind.REVEAL, StepKind.REMIND, StepKind.RESULTS})


class StepOutcome(StrEnum):
    DONE = "done"
    RETRY = "retry"  # failed this time; due again after a backoff
    FAILED = "failed"  # given up
    BUSY = "busy"  # another runner holds it, or it has already ended
    WAITING = "waiting"  # handed back unrun until what it waits for is ready


@dataclass(frozen=True, slots=True)
class StepRun:
    outcome: StepOutcome
    error: str | None = None


def retry_delay(attempts: int, step_id: int) -> timedelta:
    """Backoff after the `attempts`-th failure: 10 s, 20 s, 40 s ... capped at 15 minutes, each shortened
    by up to 20% by a fraction fixed per step, so steps that failed together do not retry together."""
    doublings = min(max(attempts - 1, 0), 16)  # 10 s * 2^7 already passes the cap; never overflow timedelta
    base = min(MAX_RETRY, FIRST_RETRY * 2**doublings)
    spread = (step_id * 0.6180339887) % 1.0
    return base * (1 - JITTER * spread)


def describe(error: BaseException) -> str:
    text = error.message if isinstance(error, SpaceFault | StepRefused) else f"{type(error).__name__}: {error}"
    return text[:ERROR_CHARS]


class StepRunner:
    def __init__(
        self,
        store: StepStore,
        spaces: SpaceStore,
        perform: Callable[[Step], Awaitable[bool | None]],
        clock: Clock,
        owner: str,
        *,
        lease: timedelta = LEASE,
        ownership: Ownership | None = None,
    ) -> None:
        if lease <= timedelta(0):
            raise ValueError("a step lease must be positive")
        self.lease = lease
        self.renew_every = lease.total_seconds() / RENEWALS_PER_LEASE
        self.store = store
        self.spaces = spaces
        self.perform = perform
        self.clock = clock
        self.owner = owner
        self.ownership = ownership or Ownership()  # claims only this process's spaces' steps
        self._sweeping = False
        self._again = False

    async def run_due(self) -> int:
        """Run every claimable step, keeping up to CONCURRENCY in flight; returns how many ran.

        A call while a sweep is under way asks that sweep to look again instead of starting a second."""
        if self._sweeping:
            self._again = True
            return 0
        self._sweeping = True
        ran = 0
        tasks: set[asyncio.Task[StepRun]] = set()
        try:
            while True:
                self._again = False
                room = CONCURRENCY - len(tasks)
                if room > 0:
                    now = self.clock.now()
                    scope = self.ownership.scope()
                    for step in await self.store.claim(self.owner, now, now + self.lease, room, scope):
                        tasks.add(asyncio.create_task(self._run(step)))
                        ran += 1
                if not tasks:
                    if self._again:
                        continue
                    return ran
                _, tasks = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._sweeping = False

    async def run_now(self, step_id: int) -> StepRun:
        """Claim and run one step at once, whatever its due time (an admin asked for it)."""
        now = self.clock.now()
        step = await self.store.claim_one(step_id, self.owner, now, now + self.lease)
        if step is None:
            return StepRun(StepOutcome.BUSY)
        return await self._run(step)

    async def _run(self, step: Step) -> StepRun:
        renewer = asyncio.create_task(self._keep_lease(step.id))
        try:
            return await self._attempt(step)
        except Exception:
            # Bookkeeping failed (the database went away): the lease runs out and the step is claimed again.
            log.exception("step %s (%s): could not record its outcome", step.id, step.kind)
            return StepRun(StepOutcome.RETRY, "internal error")
        finally:
            renewer.cancel()

    async def _attempt(self, step: Step) -> StepRun:
        try:
            delivered = await self.perform(step)
        except StepNotReady:
            await self.store.postpone(step.id, self.owner, self.clock.now() + NOT_READY_WAIT)
            return StepRun(StepOutcome.WAITING)
        except StepRefused as error:
            log.warning("step %s (%s, %s): refused: %s", step.id, step.kind, step.space_id, error.message)
            await self.store.give_up(step.id, self.owner, self.clock.now(), describe(error))
            return StepRun(StepOutcome.FAILED, describe(error))
        except SpaceFault as error:
            if await self.spaces.set_fault(step.space_id, error.message, self.clock.now(), pause=error.pauses):
                log.warning("space %s: %s", step.space_id, error.message)
            return await self._retry(step, error)
        except Exception as error:
            log.warning("step %s (%s, %s) failed: %s", step.id, step.kind, step.space_id, describe(error))
            return await self._retry(step, error)
        await self.store.finish(step.id, self.owner, self.clock.now())
        if step.kind in PLATFORM_STEPS and delivered is not False:  # False: nothing reached the platform
            await self.spaces.set_fault(step.space_id, None, self.clock.now())
        return StepRun(StepOutcome.DONE)

    async def _retry(self, step: Step, error: BaseException) -> StepRun:
        now = self.clock.now()
        reason = describe(error)
        if now - step.due_at >= GIVE_UP_AFTER:
            log.error("step %s (%s, %s): giving up after 24 h: %s", step.id, step.kind, step.space_id, reason)
            await self.store.give_up(step.id, self.owner, now, f"gave up after 24 h: {reason}")
            return StepRun(StepOutcome.FAILED, reason)
        await self.store.retry(step.id, self.owner, now + retry_delay(step.attempts, step.id), reason)
        return StepRun(StepOutcome.RETRY, reason)

    async def _keep_lease(self, step_id: int) -> None:
        """Extend a running step's lease while it waits on a slow platform, so no other runner takes it."""
        while True:
            await asyncio.sleep(self.renew_every)
            try:
                await self.store.renew(self.owner, step_id, self.clock.now() + self.lease)
            except Exception:
                log.exception("step %s: could not renew its lease", step_id)
