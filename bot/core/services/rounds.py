"""The daily grill: settings, posting, answers, reminders, reveal and close (SPEC section 4)."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.core import schedule, scoring
from bot.core.content import Bank
from bot.core.errors import AlreadyPosted, InvalidInput, NotConfigured, NotFound, RoundClosed
from bot.core.models import (
    Answer,
    AnswerResult,
    GuildSettings,
    Question,
    QuestionSnapshot,
    Round,
    RoundResults,
    RoundState,
)
from bot.core.ports import Clock, Publisher, RoundStore, SpaceStore
from bot.core.selection import pick_daily_question

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 4000  # the longest text a Discord form field takes
MIN_VOTES_BEFORE_REMINDER = 2
SHARED_DRILL_HOURS = 24


class AnswerOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DISCUSSION = "discussion"  # the member already answered: a later message is discussion
    IGNORED = "ignored"  # not an answer-bearing event (unknown thread, closed round edit)


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
        clock: Clock,
        publisher: Publisher | None = None,
    ) -> None:
        self.bank = bank
        self.spaces = spaces
        self.rounds = rounds
        self.clock = clock
        self.publisher = publisher

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
        """Validate and save the daily grill settings; each bad value gets a message saying how to fix it."""
        at = schedule.parse_post_time(post_time)
        zone = schedule.parse_timezone(timezone)
        days = schedule.parse_weekdays(weekdays)
        current = await self.spaces.settings(space_id)
        updated = replace(
            current,
            channel_ref=channel_ref,
            post_time=f"{at:%H:%M}",
            timezone=zone.key,
            weekdays=days,
            blind_mode=current.blind_mode if blind_mode is None else blind_mode,
        )
        await self.spaces.save_settings(updated, self.clock.now())
        return updated

    async def update(self, space_id: str, **changes: object) -> GuildSettings:
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

    async def next_post(self, space_id: str) -> datetime | None:
        settings = await self._configured(space_id)
        if settings.paused:
            return None
        return schedule.next_post_at(settings, self.clock.now(), await self.spaces.skips(space_id))

    # --- posting -----------------------------------------------------------------------

    async def post_daily(self, space_id: str, *, scheduled: bool = False) -> Round:
        """Post today's question. The unique (space, local date) row is written before the send.

        Raises AlreadyPosted when today's round exists, whatever restarts or double fires happened.
        A scheduled post is skipped on paused spaces and skipped or off days.
        """
        settings = await self._configured(space_id)
        now = self.clock.now()
        today = schedule.local_today(settings, now)
        skips = await self.spaces.skips(space_id)
        if scheduled and (settings.paused or not schedule.is_post_day(settings, today, skips)):
            raise AlreadyPosted("No post is due today: the grill is paused or today is skipped.")
        for previous in await self.rounds.open_daily(space_id):
            if previous.local_date != today:
                await self.close_round(previous.id)
        question = pick_daily_question(
            self.bank, await self.rounds.recent_question_ids(space_id), random.Random(f"{space_id}:{today}"), space_id
        )
        answers_close, closes = schedule.round_windows(settings, today, now, skips)
        draft = self._draft(settings, "daily", question, today, now, answers_close, closes, settings.blind_mode)
        created = await self.rounds.create_round(draft)
        if created is None:
            raise AlreadyPosted(f"Today's question ({today.isoformat()}) was already posted.")
        return await self._publish(created, settings)

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
        try:
            message_ref, thread_ref = await self._publisher().post_round(rnd, settings)
        except Exception:
            # The platform refused the post, so nothing was shown: free the date for a retry.
            await self.rounds.discard_posting(rnd.id)
            raise
        return await self.rounds.mark_posted(rnd.id, message_ref, thread_ref)

    async def share_drill(self, space_id: str, member_id: str, display_name: str, question_id: str, body: str) -> Round:
        """Put a member's drill answer to the group: a round of its own with that one answer, open
        for peer votes for SHARED_DRILL_HOURS. Shared drills get scores and results but, being
        self-chosen, do not move the leaderboards (their rounds have no local date)."""
        settings = await self._configured(space_id)
        question = self.bank.questions.get(question_id)
        if question is None or not question.visible_in(space_id):
            raise NotFound("That question is no longer in the bank, so it can't be shared. Run /drill again.")
        check_answer_text(body)
        now = self.clock.now()
        closes = now + timedelta(hours=SHARED_DRILL_HOURS)
        created = await self.rounds.create_round(self._draft(settings, "drill", question, None, now, closes, closes))
        assert created is not None  # only daily rounds are unique per date
        posted = await self._publish(created, settings)
        answer, _ = await self.rounds.save_answer(posted.id, member_id, body, None, now, display_name)
        shown = await self._publisher().reveal_answers(posted, [(answer, display_name)])
        for answer_id, message_ref in shown.items():
            await self.rounds.set_answer_message(answer_id, message_ref)
        return posted

    async def recover_posting(self) -> list[Round]:
        """At start: finish rounds whose post was under way when the process died.

        If the post reached the platform it is adopted (no second post); otherwise it is sent now.
        """
        recovered = []
        for rnd in await self.rounds.in_states("posting"):
            try:
                refs = await self._publisher().find_post(rnd)
                if refs is not None:
                    recovered.append(await self.rounds.mark_posted(rnd.id, *refs))
                else:
                    recovered.append(await self._publish(rnd, await self.spaces.settings(rnd.space_id)))
            except Exception:
                log.exception("round %s: could not finish its interrupted post", rnd.id)
        return recovered

    async def catch_up(self) -> list[Round]:
        """At start: post once for every space whose slot today passed while nothing was posted."""
        posted = []
        now = self.clock.now()
        for settings in await self.spaces.configured_spaces():
            dates = set(await self.rounds.daily_dates(settings.space_id))
            if schedule.catch_up_date(settings, now, await self.spaces.skips(settings.space_id), dates):
                try:
                    posted.append(await self.post_daily(settings.space_id, scheduled=True))
                except AlreadyPosted:
                    continue
                except Exception:
                    log.exception("catch-up post failed for space %s", settings.space_id)
        return posted

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
        check_answer_text(body)
        answer, _ = await self.rounds.save_answer(rnd.id, member_id, body, message_ref, at, display_name)
        return AnswerReceipt(AnswerOutcome.CREATED, rnd, answer)

    async def message_edited(self, message_ref: str, body: str, edited_at: datetime | None = None) -> AnswerReceipt:
        """An edit of an answer message counts until answers close; later edits change nothing.

        `edited_at` is when the platform says the edit was made (an edit read back after an outage)."""
        answer = await self.rounds.answer_by_message(message_ref)
        if answer is None or answer.body == body:
            return AnswerReceipt(AnswerOutcome.IGNORED, None, answer)
        rnd = await self.rounds.get(answer.round_id)
        at = min(edited_at or self.clock.now(), self.clock.now())
        if rnd is None or not rnd.accepts_answers(at) or not body.strip():
            return AnswerReceipt(AnswerOutcome.IGNORED, rnd, answer)
        updated, _ = await self.rounds.save_answer(rnd.id, answer.member_id, body, None, at)
        return AnswerReceipt(AnswerOutcome.UPDATED, rnd, updated)

    async def message_deleted(self, message_ref: str) -> AnswerReceipt:
        """Deleting an answer message withdraws the answer while the round is open."""
        answer = await self.rounds.answer_by_message(message_ref)
        if answer is None:
            return AnswerReceipt(AnswerOutcome.IGNORED)
        rnd = await self.rounds.get(answer.round_id)
        if rnd is None or rnd.state is not RoundState.OPEN:
            return AnswerReceipt(AnswerOutcome.IGNORED, rnd, answer)
        await self.rounds.withdraw_answer(answer.id)
        return AnswerReceipt(AnswerOutcome.UPDATED, rnd, None)

    async def submit_form_answer(self, round_id: int, member_id: str, display_name: str, body: str) -> AnswerReceipt:
        """An answer sent through the form (blind mode): the latest submission before close counts."""
        rnd = await self.rounds.get(round_id)
        if rnd is None:
            raise NotFound("That round no longer exists.")
        if not rnd.accepts_answers(self.clock.now()):
            raise RoundClosed(_answers_closed_text(rnd))
        check_answer_text(body)
        answer, created = await self.rounds.save_answer(rnd.id, member_id, body, None, self.clock.now(), display_name)
        return AnswerReceipt(AnswerOutcome.CREATED if created else AnswerOutcome.UPDATED, rnd, answer)

    async def peek_answers(self, round_id: int, member_id: str) -> list[tuple[Answer, str]]:
        """Blind mode: a member who has answered may read the others' answers privately."""
        rnd = await self.rounds.get(round_id)
        if rnd is None:
            raise NotFound("That round no longer exists.")
        still_hidden = rnd.blind and rnd.accepts_answers(self.clock.now())
        if still_hidden and await self.rounds.answer_of(round_id, member_id) is None:
            raise InvalidInput("Answer first: the others' answers open to you once yours is in.")
        return await self.named_answers(rnd)

    async def named_answers(self, rnd: Round) -> list[tuple[Answer, str]]:
        answers = await self.rounds.answers(rnd.id)
        names = await self.spaces.display_names(rnd.space_id, [a.member_id for a in answers])
        return [(a, names.get(a.member_id, a.member_id)) for a in answers]

    async def record_seen(self, round_id: int, message_ref: str) -> None:
        await self.rounds.set_seen_message(round_id, message_ref)

    # --- timed steps -------------------------------------------------------------------

    async def reveal(self, round_id: int) -> bool:
        """Blind mode: post the hidden answers into the thread once answers close. Runs once."""
        rnd = await self.rounds.get(round_id)
        if rnd is None or not rnd.blind or rnd.revealed or rnd.state is not RoundState.OPEN:
            return False
        shown = await self._publisher().reveal_answers(rnd, await self.named_answers(rnd))
        for answer_id, message_ref in shown.items():
            await self.rounds.set_answer_message(answer_id, message_ref)
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
        await self.rounds.set_reminded(round_id)
        if pending:
            await self._publisher().post_reminder(rnd, pending)
        return pending

    async def close_round(self, round_id: int) -> RoundResults:
        """Close a round: freeze votes, score answers, credit the leaderboard, post results once.

        Each step is idempotent, so a crash between them is finished by calling this again.
        """
        rnd = await self.rounds.get(round_id)
        if rnd is None:
            raise NotFound("That round does not exist.")
        if rnd.state in (RoundState.OPEN, RoundState.POSTING):
            await self.rounds.begin_close(round_id)
        if rnd.state is not RoundState.CLOSED:
            scores = await self._final_scores(rnd)
            await self.rounds.finish_close(rnd, scores)
        closed = await self.rounds.get(round_id)
        assert closed is not None
        results = await self.results(closed)
        if closed.results_ref is None and closed.message_ref is not None and self.publisher is not None:
            ref = await self.publisher.post_results(results)
            if ref:
                await self.rounds.set_results_ref(round_id, ref)
        return results

    async def close_open_round(self, space_id: str) -> RoundResults:
        open_rounds = await self.rounds.open_daily(space_id)
        if not open_rounds:
            raise NotFound("There is no open round to close here.")
        results = None
        for rnd in open_rounds:
            results = await self.close_round(rnd.id)
        assert results is not None
        return results

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

    async def due_rounds(self) -> list[Round]:
        """Open rounds, for rebuilding close / reminder / reveal jobs at start."""
        return await self.rounds.in_states("posting", "open", "closing")


def check_answer_text(body: str) -> None:
    """Refuse an empty answer or one longer than a Discord form field takes, saying what to do."""
    if not body.strip():
        raise InvalidInput("Your answer is empty. Write it out, then send it again.")
    if len(body) > MAX_ANSWER_CHARS:
        raise InvalidInput(
            f"Your answer is {len(body)} characters; the limit is {MAX_ANSWER_CHARS}. "
            "Trim it to the points that matter and send it again."
        )


def _answers_closed_text(rnd: Round) -> str:
    return "Answers for this question have closed, so this one can't count. Your message stays as discussion."
