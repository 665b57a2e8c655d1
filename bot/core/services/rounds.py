"""The daily grill: settings, posting, answers, reminders, reveal and close (SPEC section 4)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.core import schedule, scoring
from bot.core.content import Bank
from bot.core.errors import (
    AlreadyPosted,
    DomainError,
    InvalidInput,
    NotConfigured,
    NotFound,
    RoundClosed,
    SpaceFault,
    StepNotReady,
    StepRefused,
)
from bot.core.ids import names_a_row
from bot.core.models import (
    Answer,
    AnswerResult,
    GuildSettings,
    Question,
    QuestionSnapshot,
    Round,
    RoundResults,
    RoundState,
    Step,
    StepKind,
)
from bot.core.ownership import Ownership
from bot.core.platform import Platforms
from bot.core.ports import Clock, Publisher, RoundStore, SpaceStore, StepStore
from bot.core.round_cache import OpenRound, RoundCache
from bot.core.selection import pick_daily_question
from bot.core.services.steps import LEASE, StepOutcome, StepRun, StepRunner

log = logging.getLogger(__name__)

MIN_VOTES_BEFORE_REMINDER = 2
SHARED_DRILL_HOURS = 24
READ_BACK_PATIENCE = 20  # seconds /grill close waits for a reconnect's read-back before saying so
# /grill timing's ranges, checked here too: the core trusts no front end to have enforced them.
TIMING_LIMITS = {
    "answer_window_minutes": ("answer_minutes", 0, 10080),
    "close_before_next_minutes": ("close_before_next", 0, 1440),
    "reminder_before_close_minutes": ("reminder_before_close", 0, 1440),
}
ROUND_NOT_HERE = (  # a template: `Platform.words` fills in {space}
    "That round isn't one of this {space}'s rounds: the button or form came from somewhere else, "
    "or the round is gone. Use the buttons on this {space}'s grill post."
)
NOT_OPEN_HERE = (  # a template: `Platform.words` fills in {space}
    "This round isn't open on this {space}: it has closed (its results are in its thread), or the button "
    "came from somewhere else. Use the buttons on this {space}'s latest grill post."
)
NOT_BLIND_FORM = "This round isn't blind: answers go in its thread. Post yours there as your first message."
NOT_BLIND_PEEK = "This round isn't blind: every answer is already in its thread. Read them there."
FORM_ANSWERS_CLOSED = (
    "Answers for this question have closed, so this one was not saved. The answers are revealed in its thread."
)


class AnswerOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DISCUSSION = "discussion"  # the member already answered: a later message is discussion
    IGNORED = "ignored"  # not an answer-bearing event (unknown thread, closed round edit)


@dataclass(frozen=True, slots=True)
class CloseReport:
    """What `/grill close` tells the admin: the results, and whether their post went out."""

    results: RoundResults
    delivery: StepRun


@dataclass(frozen=True, slots=True)
class AnswerReceipt:
    outcome: AnswerOutcome
    round: Round | None = None
    answer: Answer | None = None


def snapshot(bank: Bank, question: Question) -> QuestionSnapshot:
    return QuestionSnapshot(
        id=question.id,
        type=question.type,
        prompt=question.prompt,
        topics=question.topics,
        difficulty=question.difficulty,
        key_points=question.key_points,
        follow_ups=question.follow_ups,
        criteria=bank.criteria_for(question),
        long_form=question.long_form,
    )


class GrillService:
    def __init__(
        self,
        bank: Bank,
        spaces: SpaceStore,
        rounds: RoundStore,
        steps: StepStore,
        clock: Clock,
        publisher: Publisher | None = None,
        runner_name: str = "local",
        *,
        lease: timedelta = LEASE,
        platforms: Platforms | None = None,
        ownership: Ownership | None = None,
    ) -> None:
        self.bank = bank
        self.platforms = platforms or Platforms()
        self.ownership = ownership or Ownership()
        self.spaces = spaces
        self.rounds = rounds
        self.steps = steps
        self.clock = clock
        self.publisher = publisher
        self.runner = StepRunner(
            steps, spaces, self.perform_step, clock, runner_name, lease=lease, ownership=self.ownership
        )

    def _publisher(self) -> Publisher:
        if self.publisher is None:
            raise RuntimeError("no publisher is attached to the grill service")
        return self.publisher

    # --- settings ----------------------------------------------------------------------

    async def setup(
        self,
        space_id: str,
        channel_ref: str,
        post_time: str,
        timezone: str,
        weekdays: str = "daily",
        blind_mode: bool | None = None,
    ) -> GuildSettings:
        """Validate and save the daily grill settings; each bad value gets a message saying how to fix it.

        Setting up again is the fix a fault asks for, so it clears the fault and restarts a grill the
        fault paused (its channel was deleted)."""
        at = schedule.parse_post_time(post_time)
        zone = schedule.parse_timezone(timezone)
        days = schedule.parse_weekdays(weekdays)
        current = await self.spaces.settings(space_id)
        updated = replace(
            current,
            fault=None,
            channel_ref=channel_ref,
            post_time=f"{at:%H:%M}",
            timezone=zone.key,
            weekdays=days,
            blind_mode=current.blind_mode if blind_mode is None else blind_mode,
            paused=False if current.fault else current.paused,
        )
        await self.spaces.save_settings(updated, self.clock.now())
        await self.spaces.set_fault(space_id, None, self.clock.now())
        return updated

    async def update(self, space_id: str, **changes: object) -> GuildSettings:
        for field, value in changes.items():
            limits = TIMING_LIMITS.get(field)
            if limits and value is not None and not (type(value) is int and limits[1] <= value <= limits[2]):
                option, low, high = limits
                raise InvalidInput(f"{option} takes {low} to {high} minutes, not {value}.")
        current = await self._configured(space_id)
        updated = replace(current, **changes)  # type: ignore[arg-type]
        await self.spaces.save_settings(updated, self.clock.now())
        return updated

    async def set_paused(self, space_id: str, paused: bool) -> GuildSettings:
        return await self.update(space_id, paused=paused)

    async def left_space(self, space_id: str) -> bool:
        """The bot was removed from the space: stop posting there (settings kept, in case it comes back).

        Returns True when a running schedule was paused."""
        settings = await self.spaces.settings(space_id)
        if settings.channel_ref is None or settings.paused:
            return False
        await self.spaces.save_settings(replace(settings, paused=True), self.clock.now())
        return True

    async def skip(self, space_id: str, day_text: str) -> date:
        settings = await self._configured(space_id)
        day = schedule.parse_local_date(day_text)
        if day < schedule.local_today(settings, self.clock.now()):
            raise InvalidInput(f"{day.isoformat()} is in the past. Pick today or a later date.")
        await self.spaces.add_skip(space_id, day)
        return day

    async def _configured(self, space_id: str) -> GuildSettings:
        settings = await self.spaces.settings(space_id)
        if settings.channel_ref is None:
            raise NotConfigured("The daily grill is not set up here yet. An admin can run /grill setup.")
        return settings

    async def retry_now(self, space_id: str) -> int:
        """An admin looked after a fault: bring the space's retrying steps forward; how many."""
        return await self.steps.retry_space_now(space_id, self.clock.now())

    async def next_post(self, space_id: str) -> datetime | None:
        settings = await self._configured(space_id)
        if settings.paused:
            return None
        return schedule.next_post_at(settings, self.clock.now(), await self.spaces.skips(space_id))

    # --- posting -----------------------------------------------------------------------

    async def post_daily(self, space_id: str, *, scheduled: bool = False, local_date: date | None = None) -> Round:
        """Post today's question. The unique (space, local date) row is written before the send.

        Raises AlreadyPosted when today's round is out, whatever restarts or double fires happened.
        A scheduled post is skipped on paused spaces and skipped or off days. A round whose send was
        cut short (a failure, a crash) is finished: adopted if the platform has it, else sent again.
        """
        settings = await self._configured(space_id)
        now = self.clock.now()
        today = schedule.local_today(settings, now)
        if local_date is not None and local_date != today:
            raise StepRefused(f"The post for {local_date.isoformat()} was missed: that day is over.")
        for previous in await self.rounds.open_daily(space_id):
            if previous.local_date == today:
                continue
            if previous.state is RoundState.POSTING:
                await self.rounds.discard_posting(previous.id)  # never shown: a day later it can only confuse
            else:
                await self.close_soon(previous, now)
        existing = await self.rounds.daily_round(space_id, today)
        if existing is not None and existing.state is not RoundState.POSTING:
            raise AlreadyPosted(f"Today's question ({today.isoformat()}) was already posted.")
        skips = await self.spaces.skips(space_id)
        if scheduled and (settings.paused or not schedule.is_post_day(settings, today, skips)):
            if existing is not None:
                await self.rounds.discard_posting(existing.id)  # its send failed; paused since (the channel went)
            raise AlreadyPosted("No post is due today: the grill is paused or today is skipped.")
        if existing is not None:
            return await self._finish_posting(existing, settings)
        question = pick_daily_question(
            self.bank, await self.rounds.recent_question_ids(space_id), random.Random(f"{space_id}:{today}"), space_id
        )
        answers_close, closes = schedule.round_windows(settings, today, now, skips)
        draft = self._draft(settings, "daily", question, today, now, answers_close, closes, settings.blind_mode)
        created = await self.rounds.create_round(draft)
        if created is None:
            raise AlreadyPosted(f"Today's question ({today.isoformat()}) was already posted.")
        return await self._publish(created, settings)

    async def post_now(self, space_id: str) -> Round:
        """An admin's /grill post: today's post step, run at once (even when paused or on an off day)."""
        settings = await self._configured(space_id)
        now = self.clock.now()
        today = schedule.local_today(settings, now)
        existing = await self.rounds.daily_round(space_id, today)
        if existing is not None and existing.state is not RoundState.POSTING:
            raise AlreadyPosted(f"Today's question ({today.isoformat()}) was already posted.")
        step = await self.steps.ensure_post(space_id, today, now, manual=True)
        run = await self.runner.run_now(step.id)
        posted = await self.rounds.daily_round(space_id, today)
        if run.outcome is StepOutcome.DONE and posted is not None and posted.state is RoundState.OPEN:
            return posted
        if run.outcome is StepOutcome.BUSY:
            raise AlreadyPosted("Today's question is being posted right now; it will appear in a moment.")
        raise DomainError(f"I could not post today's question: {run.error}. I'll keep retrying on my own.")

    async def post_due(self, space_id: str) -> Step | None:
        """The scheduler's post time came: make today's post step due (a no-op when it exists)."""
        settings = await self.spaces.settings(space_id)
        if settings.channel_ref is None:
            return None
        now = self.clock.now()
        return await self.steps.ensure_post(space_id, schedule.local_today(settings, now), now)

    async def _finish_posting(self, rnd: Round, settings: GuildSettings) -> Round:
        refs = await self._publisher().find_post(rnd)
        if refs is not None:
            return await self.rounds.mark_posted(rnd.id, *refs, self.round_plan(rnd, settings))
        return await self._publish(rnd, settings)

    def round_plan(self, rnd: Round, settings: GuildSettings) -> list[tuple[StepKind, datetime]]:
        """The timed steps a posted round owes: its reveal (blind), its reminder and its close."""
        plan = [(StepKind.CLOSE, rnd.closes_at)]
        if rnd.blind:
            plan.append((StepKind.REVEAL, rnd.answers_close_at))
        remind_at = schedule.reminder_at(settings, rnd.opened_at, rnd.closes_at)
        if remind_at is not None:
            plan.append((StepKind.REMIND, remind_at))
        return plan

    def _draft(
        self,
        settings: GuildSettings,
        kind: str,
        question: Question,
        local_date: date | None,
        opened_at: datetime,
        answers_close_at: datetime,
        closes_at: datetime,
        blind: bool = False,
    ) -> Round:
        """A round about to be posted: its row is written (state `posting`) before the send."""
        return Round(
            id=0,
            space_id=settings.space_id,
            kind=kind,
            local_date=local_date,
            state=RoundState.POSTING,
            question=snapshot(self.bank, question),
            channel_ref=settings.channel_ref,
            message_ref=None,
            thread_ref=None,
            opened_at=opened_at,
            answers_close_at=answers_close_at,
            closes_at=closes_at,
            blind=blind,
        )

    async def _publish(self, rnd: Round, settings: GuildSettings) -> Round:
        """Send the post; the round and its timed steps are recorded in one transaction once it is out."""
        message_ref, thread_ref = await self._publisher().post_round(rnd, settings)
        return await self.rounds.mark_posted(rnd.id, message_ref, thread_ref, self.round_plan(rnd, settings))

    async def share_drill(self, space_id: str, member_id: str, display_name: str, question_id: str, body: str) -> Round:
        """Put a member's drill answer to the group: a round of its own with that one answer, open
        for peer votes for SHARED_DRILL_HOURS. Shared drills get scores and results but, being
        self-chosen, do not move the leaderboards (their rounds have no local date)."""
        settings = await self._configured(space_id)
        question = self.bank.questions.get(question_id)
        if question is None or not question.visible_in(space_id):
            raise NotFound("That question is no longer in the bank, so it can't be shared. Run /drill again.")
        check_answer_text(body, self.platforms.of(space_id).answer_limit)
        now = self.clock.now()
        closes = now + timedelta(hours=SHARED_DRILL_HOURS)
        created = await self.rounds.create_round(self._draft(settings, "drill", question, None, now, closes, closes))
        assert created is not None  # only daily rounds are unique per date
        try:
            posted = await self._publish(created, settings)
        except Exception:
            await self.rounds.discard_posting(created.id)  # the member is told and may share again
            raise
        answer, _ = await self.rounds.save_answer(posted.id, member_id, body, None, now, display_name)
        message_ref = await self._publisher().reveal_answer(posted, answer, display_name)
        if message_ref is not None:
            await self.rounds.set_answer_message(answer.id, message_ref)
        return posted

    async def owned_spaces(self) -> list[GuildSettings]:
        """The configured spaces this process runs the timed work of (`bot.core.ownership`)."""
        return [s for s in await self.spaces.configured_spaces() if self.ownership.owns(s.space_id)]

    async def recover_posting(self) -> list[Round]:
        """At start: finish this process's shared-drill posts that were under way when a process died
        (daily posts are finished by their own post step). Adopted if the platform has them, else sent now."""
        recovered = []
        for rnd in await self.rounds.in_states("posting"):
            if rnd.kind != "drill" or not self.ownership.owns(rnd.space_id):
                continue
            try:
                recovered.append(await self._finish_posting(rnd, await self.spaces.settings(rnd.space_id)))
            except Exception:
                log.exception("round %s: could not finish its interrupted post", rnd.id)
        return recovered

    async def plan_missed_posts(self) -> int:
        """At start: a post step for every owned space whose slot today passed while nothing was posted."""
        planned = 0
        now = self.clock.now()
        for settings in await self.owned_spaces():
            dates = set(await self.rounds.daily_dates(settings.space_id))
            day = schedule.catch_up_date(settings, now, await self.spaces.skips(settings.space_id), dates)
            if day is not None:
                await self.steps.ensure_post(settings.space_id, day, schedule.slot_on(settings, day))
                planned += 1
        return planned

    async def plan_open_rounds(self) -> None:
        """At start: every owned live round has its steps (rounds posted before steps existed get theirs now)."""
        for rnd in await self.due_rounds("open", "closing"):
            await self.steps.plan_round(
                rnd.space_id, rnd.id, self.round_plan(rnd, await self.spaces.settings(rnd.space_id))
            )

    # --- answers -----------------------------------------------------------------------

    async def thread_message(
        self,
        round_id: int,
        member_id: str,
        display_name: str,
        body: str,
        message_ref: str,
        sent_at: datetime | None = None,
    ) -> AnswerReceipt:
        """A member's message in a round's thread: their first one is the answer, later ones discussion.

        `sent_at` is when the platform says the message was sent: a message read back from history
        after an outage is judged by it, not by when the bot saw it. Raises RoundClosed for a first
        answer sent after answers closed, so the front end can tell the member kindly; the message
        itself stays as discussion.
        """
        rnd = await self.rounds.get(round_id)
        if rnd is None or rnd.kind != "daily" or rnd.blind:
            return AnswerReceipt(AnswerOutcome.IGNORED, rnd)
        existing = await self.rounds.answer_of(rnd.id, member_id)
        if existing is not None:
            return AnswerReceipt(AnswerOutcome.DISCUSSION, rnd, existing)
        at = min(sent_at or self.clock.now(), self.clock.now())
        if not rnd.accepts_answers(at):
            raise RoundClosed(_answers_closed_text(rnd))
        check_answer_text(body, self.platforms.of(rnd.space_id).answer_limit)
        answer, _ = await self.rounds.save_answer(rnd.id, member_id, body, message_ref, at, display_name)
        return AnswerReceipt(AnswerOutcome.CREATED, rnd, answer)

    async def message_edited(
        self, space_id: str, message_ref: str, body: str, edited_at: datetime | None = None
    ) -> AnswerReceipt:
        """An edit of an answer message in `space_id` counts until answers close; later edits change nothing.

        `edited_at` is when the platform says the edit was made (an edit read back after an outage)."""
        answer = await self.rounds.answer_by_message(space_id, message_ref)
        if answer is None or answer.body == body:
            return AnswerReceipt(AnswerOutcome.IGNORED, None, answer)
        rnd = await self.rounds.get(answer.round_id)
        at = min(edited_at or self.clock.now(), self.clock.now())
        if rnd is None or not rnd.accepts_answers(at) or not body.strip():
            return AnswerReceipt(AnswerOutcome.IGNORED, rnd, answer)
        updated, _ = await self.rounds.save_answer(rnd.id, answer.member_id, body, None, at)
        return AnswerReceipt(AnswerOutcome.UPDATED, rnd, updated)

    async def message_deleted(self, space_id: str, message_ref: str) -> AnswerReceipt:
        """Deleting an answer message in `space_id` withdraws the answer while the round is open."""
        answer = await self.rounds.answer_by_message(space_id, message_ref)
        if answer is None:
            return AnswerReceipt(AnswerOutcome.IGNORED)
        rnd = await self.rounds.get(answer.round_id)
        if rnd is None or rnd.state is not RoundState.OPEN:
            return AnswerReceipt(AnswerOutcome.IGNORED, rnd, answer)
        await self.rounds.withdraw_answer(answer.id)
        return AnswerReceipt(AnswerOutcome.UPDATED, rnd, None)

    async def submit_form_answer(
        self, space_id: str, round_id: int, member_id: str, display_name: str, body: str
    ) -> AnswerReceipt:
        """An answer sent through the form (blind mode): the latest submission before close counts."""
        rnd = await self.round_in(space_id, round_id)
        if not rnd.blind:
            raise InvalidInput(NOT_BLIND_FORM)
        if not rnd.accepts_answers(self.clock.now()):
            raise RoundClosed(FORM_ANSWERS_CLOSED)  # a form leaves no message behind to stay as discussion
        check_answer_text(body, self.platforms.of(space_id).answer_limit)
        answer, created = await self.rounds.save_answer(rnd.id, member_id, body, None, self.clock.now(), display_name)
        return AnswerReceipt(AnswerOutcome.CREATED if created else AnswerOutcome.UPDATED, rnd, answer)

    def open_form(self, cache: RoundCache, space_id: str, round_id: int) -> OpenRound:
        """The open round a button names (`round_id`, untrusted), for a form to open at once: from the
        cache, no database call. NotFound when it is not open in `space_id`; the core checks again
        on submit."""
        cached = cache.in_space(space_id, round_id)
        if cached is None:
            raise NotFound(self.platforms.words(space_id, NOT_OPEN_HERE))
        return cached

    def answer_form(self, cache: RoundCache, space_id: str, round_id: int) -> OpenRound:
        """Blind mode's Answer button: the round whose answer form to open (`open_form`), refused with
        the reason for a round that takes its answers in the thread."""
        return self._takes_form_answers(self.open_form(cache, space_id, round_id))

    @staticmethod
    def _takes_form_answers(found: OpenRound) -> OpenRound:
        if not found.blind:
            raise InvalidInput(NOT_BLIND_FORM)
        return found

    async def open_round(self, cache: RoundCache, space_id: str, round_id: int) -> OpenRound:
        """`open_form`, read through to the database on a cache miss: for a front end whose payloads
        may reach a process that does not hold the round (Slack gives any socket any payload). A
        miss reads the database, so call it once the first response is out (a "loading" modal)."""
        cached = cache.in_space(space_id, round_id)
        if cached is not None:
            return cached
        rnd = await self._round_of(space_id, round_id)
        if rnd is None or not rnd.live:
            raise NotFound(self.platforms.words(space_id, NOT_OPEN_HERE))
        return OpenRound.of(rnd)

    async def open_answer_form(self, cache: RoundCache, space_id: str, round_id: int) -> OpenRound:
        """`answer_form`, read through to the database on a cache miss (as `open_round`)."""
        return self._takes_form_answers(await self.open_round(cache, space_id, round_id))

    async def round_in_thread(self, cache: RoundCache, space_id: str, thread_ref: str) -> int | None:
        """The id of the round whose thread is `thread_ref` in `space_id`, open or closed (hand a reply
        there to `ThreadService.take`, which refuses a late one with the reason): the cache, else the
        database, since a reply may reach a process that does not hold the round."""
        found = cache.round_in_thread(space_id, thread_ref)
        if found is not None:
            return found
        rnd = await self.rounds.by_thread(space_id, thread_ref)
        return rnd.id if rnd else None

    async def open_round_in_thread(self, cache: RoundCache, space_id: str, thread_ref: str) -> OpenRound | None:
        """The open round whose thread is `thread_ref` in `space_id`: the cache, else the database."""
        cached = cache.for_thread(space_id, thread_ref)
        if cached is not None:
            return cached
        rnd = await self.rounds.by_thread(space_id, thread_ref)
        return OpenRound.of(rnd) if rnd is not None and rnd.live else None

    async def peek_answers(self, space_id: str, round_id: int, member_id: str) -> list[tuple[Answer, str]]:
        """Blind mode: a member who has answered may read the others' answers privately."""
        rnd = await self.round_in(space_id, round_id)
        if not rnd.blind:
            raise InvalidInput(NOT_BLIND_PEEK)
        still_hidden = rnd.accepts_answers(self.clock.now())
        if still_hidden and await self.rounds.answer_of(round_id, member_id) is None:
            raise InvalidInput("Answer first: the others' answers open to you once yours is in.")
        return await self.named_answers(rnd)

    async def round_in(self, space_id: str, round_id: int) -> Round:
        """The round a member's button or form names, when it is one of `space_id`'s rounds.

        Otherwise NotFound with one message, whether the id names another space's round, nothing,
        or nothing SQLite could hold: the refusal tells nothing about other spaces."""
        rnd = await self._round_of(space_id, round_id)
        if rnd is None:
            raise NotFound(self.platforms.words(space_id, ROUND_NOT_HERE))
        return rnd

    async def _round_of(self, space_id: str, round_id: int) -> Round | None:
        """Round `round_id` (an untrusted id) when it is one of `space_id`'s."""
        rnd = await self.rounds.get(round_id) if names_a_row(round_id) else None
        return rnd if rnd is not None and rnd.space_id == space_id else None

    async def named_answers(self, rnd: Round) -> list[tuple[Answer, str]]:
        answers = await self.rounds.answers(rnd.id)
        names = await self.spaces.display_names(rnd.space_id, [a.member_id for a in answers])
        return [(a, names.get(a.member_id, a.member_id)) for a in answers]

    async def record_seen(self, round_id: int, message_ref: str) -> None:
        await self.rounds.set_seen_message(round_id, message_ref)

    # --- timed steps -------------------------------------------------------------------

    async def perform_step(self, step: Step) -> bool:
        """Do one timed step. Each tolerates running again after a crash or a failure part-way.

        False when the step ended without reaching the platform (no post due: paused, skipped, already
        out), so it does not clear a fault an admin still has to see."""
        if step.kind is StepKind.POST:
            try:
                await self.post_daily(step.space_id, scheduled=not step.manual, local_date=step.local_date)
            except AlreadyPosted:
                return False
            except NotConfigured as error:
                raise StepRefused(error.message) from error
            return True
        assert step.round_id is not None
        actions = {
            StepKind.REVEAL: self.reveal,
            StepKind.REMIND: self.remind,
            StepKind.CLOSE: self._close,
            StepKind.RESULTS: self._post_results,
        }
        await actions[step.kind](step.round_id)
        return True

    async def reveal(self, round_id: int) -> bool:
        """Blind mode: post the hidden answers into the thread once answers close. Answers already shown
        (by an attempt cut short) are not posted again."""
        rnd = await self.rounds.get(round_id)
        if rnd is None or not rnd.blind or rnd.revealed or rnd.state is not RoundState.OPEN:
            return False
        for answer, name in await self.named_answers(rnd):
            if answer.message_ref is not None:
                continue
            message_ref = await self._publisher().reveal_answer(rnd, answer, name)
            if message_ref is None:
                break  # the thread is gone: the answers stay readable in the results
            await self.rounds.set_answer_message(answer.id, message_ref)
        await self.rounds.set_revealed(round_id)
        return True

    async def remind(self, round_id: int) -> list[str]:
        """Post the one reminder naming answers with fewer than 2 votes; returns those names."""
        rnd = await self.rounds.get(round_id)
        if rnd is None or rnd.reminded or rnd.state is not RoundState.OPEN:
            return []
        counts = await self.rounds.vote_counts(round_id)
        pending = [
            name
            for answer, name in await self.named_answers(rnd)
            if counts.get(answer.id, 0) < MIN_VOTES_BEFORE_REMINDER
        ]
        if pending:
            await self._publisher().post_reminder(rnd, pending)
        await self.rounds.set_reminded(round_id)
        return pending

    async def _close(self, round_id: int) -> None:
        """Freeze votes, score the answers and credit the leaderboard, once; the results post becomes
        a step of its own in the same transaction, so a platform failure never reopens scoring."""
        rnd = await self.rounds.get(round_id)
        if rnd is None or rnd.state is RoundState.CLOSED:
            return
        if rnd.state is RoundState.OPEN and self.publisher is not None and not self.publisher.caught_up(rnd):
            raise StepNotReady("Answers sent during an outage are still being read back.")
        if rnd.state is not RoundState.CLOSING:
            await self.rounds.begin_close(round_id)
        closing = await self.rounds.get(round_id)
        assert closing is not None
        await self.rounds.finish_close(closing, await self._final_scores(closing), self.clock.now())

    async def _post_results(self, round_id: int) -> None:
        rnd = await self.rounds.get(round_id)
        if rnd is None or rnd.state is not RoundState.CLOSED or rnd.results_ref or rnd.message_ref is None:
            return
        sent = await self.steps.messages(round_id)

        async def record(part: str, message_ref: str) -> None:
            await self.steps.record_message(round_id, part, message_ref)

        try:
            results_ref = await self._publisher().post_results(await self.results(rnd), sent, record)
        except SpaceFault as fault:
            settings = await self.spaces.settings(rnd.space_id)
            if fault.pauses and settings.channel_ref != rnd.channel_ref:
                # The round's channel is gone and the grill has moved on: no retry can post these results,
                # and the fault must not pause the grill in its new channel. The scores already count.
                raise StepRefused(
                    "The round's channel was deleted; its results (already scored) can't be posted."
                ) from fault
            raise
        if results_ref is not None:
            await self.rounds.set_results_ref(round_id, results_ref)

    async def close_soon(self, rnd: Round, now: datetime) -> None:
        """Make a live round's close due now (an admin closed it, or the next day's post arrived)."""
        await self.steps.plan_round(rnd.space_id, rnd.id, [(StepKind.CLOSE, now)])
        await self.steps.expedite(rnd.id, StepKind.CLOSE, now)

    async def close_round(self, round_id: int) -> RoundResults:
        """Close a round now and post its results, through the same claimed steps as the scheduler,
        so two closes at once (the timer and an admin) score once and post once."""
        return (await self._close_now(round_id)).results

    async def _close_now(self, round_id: int) -> CloseReport:
        rnd = await self.rounds.get(round_id)
        if rnd is None:
            raise NotFound("That round does not exist.")
        await self.close_soon(rnd, self.clock.now())
        close = await self.steps.round_step(round_id, StepKind.CLOSE)
        assert close is not None
        for _ in range(READ_BACK_PATIENCE):  # an admin's close waits for the thread's read-back, briefly
            if (await self.runner.run_now(close.id)).outcome is not StepOutcome.WAITING:
                break
            await asyncio.sleep(1)
        else:
            raise InvalidInput("I'm still reading back answers sent while I was away. Try again in a minute.")
        delivery = StepRun(StepOutcome.BUSY)
        results_step = await self.steps.round_step(round_id, StepKind.RESULTS)
        if results_step is not None:
            delivery = await self.runner.run_now(results_step.id)
        closed = await self.rounds.get(round_id)
        assert closed is not None
        return CloseReport(await self.results(closed), delivery)

    async def close_open_round(self, space_id: str) -> CloseReport:
        open_rounds = await self.rounds.open_daily(space_id)
        if not open_rounds:
            raise NotFound("There is no open round to close here.")
        report = None
        for rnd in open_rounds:
            report = await self._close_now(rnd.id)
        assert report is not None
        return report

    async def _final_scores(self, rnd: Round) -> dict[int, float | None]:
        votes_by_answer = defaultdict(list)
        for vote in await self.rounds.votes(rnd.id):
            votes_by_answer[vote.answer_id].append(scoring.vote_ratio(vote, rnd.question.criteria))
        prior = await self.rounds.type_mean(rnd.space_id, rnd.question.type)
        prior = scoring.DEFAULT_PRIOR_MEAN if prior is None else prior
        return {
            answer.id: scoring.answer_score(votes_by_answer.get(answer.id, []), prior)
            for answer in await self.rounds.answers(rnd.id)
        }

    async def results(self, rnd: Round) -> RoundResults:
        """Answers ranked by score (unscored last) with their per-criterion breakdown."""
        votes = await self.rounds.votes(rnd.id)
        scores = {} if rnd.state is RoundState.CLOSED else await self._final_scores(rnd)
        rows = []
        for answer, name in await self.named_answers(rnd):
            mine = [v for v in votes if v.answer_id == answer.id]
            score = answer.score if rnd.state is RoundState.CLOSED else scores.get(answer.id)
            rows.append(
                AnswerResult(
                    answer, name, score, len(mine), scoring.criterion_results(rnd.question.criteria, mine), None
                )
            )
        rows.sort(key=lambda r: (r.score is None, -(r.score or 0.0), r.answer.created_at))
        scored = [r for r in rows if r.score is not None]
        ranks = scoring.competition_ranks([r.score or 0.0 for r in scored])
        ranked = [replace(r, rank=k) for r, k in zip(scored, ranks, strict=True)]
        return RoundResults(rnd, (*ranked, *rows[len(scored) :]))

    async def due_rounds(self, *states: str) -> list[Round]:
        """This process's live rounds (or those in `states`), for the front end's caches and read-backs."""
        rounds = await self.rounds.in_states(*(states or ("posting", "open", "closing")))
        return [r for r in rounds if self.ownership.owns(r.space_id)]


def check_answer_text(body: str, limit: int) -> None:
    """Refuse an empty answer or one longer than `limit` (the platform's form takes no more), saying what to do."""
    if not body.strip():
        raise InvalidInput("Your answer is empty. Write it out, then send it again.")
    if len(body) > limit:
        raise InvalidInput(
            f"Your answer is {len(body)} characters; the limit is {limit}. "
            "Trim it to the points that matter and send it again."
        )


def _answers_closed_text(rnd: Round) -> str:
    return "Answers for this question have closed, so this one can't count. Your message stays as discussion."
