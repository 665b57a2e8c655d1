"""Choosing what a vote rates, the same on every platform: the answer picker behind the Vote button
and "Rate answer" on a thread message, then the vote itself.

The checks made before a form opens (`form_for_pick`, `form_for_message`) read only the in-memory
`RoundCache`: a form must be the first response (Discord: no defer before a modal; Slack: the
`trigger_id` lives 3 s), so no database call may come first. Their `read_` twins go to the database
on a cache miss, for a front end that opened a "loading" form first because the payload may reach a
process that does not hold the round (Slack). They only decide whether to open a form
and for what; `rate` checks everything again against the database on submit, so a crafted form
gets the same refusals as a real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.errors import InvalidInput, NotFound, RoundClosed, SelfVote
from bot.core.ids import names_a_row, row_id
from bot.core.models import Answer, Criterion, Round
from bot.core.platform import Platforms
from bot.core.ports import Clock, SpaceStore
from bot.core.round_cache import OpenRound, RoundCache
from bot.core.services.rounds import NOT_OPEN_HERE as NOT_OPEN_HERE  # re-exported: the picker's refusal
from bot.core.services.rounds import GrillService
from bot.core.services.votes import ANSWER_NOT_HERE, SELF_VOTE, VOTING_NOT_YET, VoteReceipt, VoteService

CLOSED_TEXT = "This round is closed: voting and answers are over. The results are in its thread."
NOTHING_TO_RATE = "There are no answers from others to rate yet. Check back later."
NOT_RATEABLE = (
    "Rate answer works on answers in the thread of an open round: this round has closed "
    "(its results are in the thread), or the message isn't a grill answer."
)


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer the picker offers: its author's display name and its vote count so far."""

    answer: Answer
    name: str
    votes: int


@dataclass(frozen=True, slots=True)
class AnswerChoices:
    round: Round
    choices: tuple[Choice, ...]  # fewest votes first, then oldest: every answer gets its raters
    left_out: int  # answers past `limit`, not offered


@dataclass(frozen=True, slots=True)
class RatingForm:
    """What a rubric form rates: the answer when known before the form opens (picked from the list,
    or a revealed answer the bot posted), else the message rated, resolved to its answer on submit."""

    round_id: int
    criteria: tuple[Criterion, ...]
    answer_id: int | None = None
    message_ref: str | None = None


@dataclass(frozen=True, slots=True)
class MessageToRate:
    """ "Rate answer" on message `message_ref` by `author_id` in thread `thread_ref` of `space_id`, as
    the platform reports it. `shown_answer_id` is the answer id a message of the bot's own displays
    (a blind round's revealed answer), read by the front end from its own rendering."""

    space_id: str
    thread_ref: str
    rater_id: str
    author_id: str
    message_ref: str
    shown_answer_id: int | None = None


@dataclass(frozen=True, slots=True)
class RatedVote:
    receipt: VoteReceipt
    author_name: str  # the rated answer's author, as the member last showed it (raw: escape to show)


class RatingService:
    def __init__(
        self,
        grill: GrillService,
        votes: VoteService,
        spaces: SpaceStore,
        clock: Clock,
        platforms: Platforms | None = None,
    ) -> None:
        self.grill = grill
        self.votes = votes
        self.spaces = spaces
        self.clock = clock
        self.platforms = platforms or Platforms()

    async def answers_to_rate(self, space_id: str, round_id: int, voter_id: str, limit: int) -> AnswerChoices:
        """The Vote button: the answers `voter_id` may rate in `space_id`'s round, fewest votes first,
        at most `limit` (the platform's select holds 25 on Discord, 100 on Slack).

        Raises NotFound for a round of another space (or none), RoundClosed once voting ended,
        InvalidInput while a blind round still hides its answers or when nobody else answered."""
        rnd = await self.grill.round_in(space_id, round_id)
        now = self.clock.now()
        if not rnd.accepts_votes(now):
            raise RoundClosed(CLOSED_TEXT)
        if rnd.blind and rnd.accepts_answers(now):
            raise InvalidInput(VOTING_NOT_YET)
        counts = await self.grill.rounds.vote_counts(round_id)
        others = [
            Choice(answer, name, counts.get(answer.id, 0))
            for answer, name in await self.grill.named_answers(rnd)
            if answer.member_id != voter_id
        ]
        if not others:
            raise InvalidInput(NOTHING_TO_RATE)
        others.sort(key=lambda c: (c.votes, c.answer.id))
        return AnswerChoices(rnd, tuple(others[:limit]), max(0, len(others) - limit))

    def form_for_pick(self, cache: RoundCache, space_id: str, round_id: int, picked: str | None) -> RatingForm:
        """The picker's choice (`picked`: the answer id as sent back, untrusted) -> the form to open.

        No database call. NotFound when the round is not open in `space_id` or `picked` names no row."""
        return self._picked(self.grill.open_form(cache, space_id, round_id), space_id, picked)

    async def read_form_for_pick(
        self, cache: RoundCache, space_id: str, round_id: int, picked: str | None
    ) -> RatingForm:
        """`form_for_pick`, read through to the database on a cache miss (`GrillService.open_round`)."""
        return self._picked(await self.grill.open_round(cache, space_id, round_id), space_id, picked)

    def _picked(self, found: OpenRound, space_id: str, picked: str | None) -> RatingForm:
        answer_id = row_id(picked or "")
        if not names_a_row(answer_id):
            raise NotFound(self.platforms.words(space_id, ANSWER_NOT_HERE))
        return RatingForm(found.round_id, found.criteria, answer_id=answer_id)

    def form_for_message(self, cache: RoundCache, target: MessageToRate) -> RatingForm:
        """ "Rate answer" on `target` -> the form to open. No database call. SelfVote on one's own
        message, InvalidInput outside an open round's thread of `target.space_id`."""
        check_not_own(target)
        return message_form(cache.for_thread(target.space_id, target.thread_ref), target)

    async def read_form_for_message(self, cache: RoundCache, target: MessageToRate) -> RatingForm:
        """`form_for_message`, read through to the database on a cache miss (for a front end whose
        payloads may reach a process that does not hold the round: call it after a "loading" form)."""
        check_not_own(target)
        return message_form(await self.grill.open_round_in_thread(cache, target.space_id, target.thread_ref), target)

    async def rate(
        self,
        space_id: str,
        round_id: int,
        voter_id: str,
        voter_name: str,
        scores: Mapping[str, int],
        *,
        answer_id: int | None = None,
        message_ref: str | None = None,
    ) -> RatedVote:
        """A submitted rubric form: rate `answer_id`, or the answer message `message_ref` shows, in
        `space_id`'s round `round_id` (ids as the form carried them: untrusted, all checked here)."""
        if message_ref is not None:
            answer_id = (await self.votes.answer_on_message(space_id, round_id, message_ref)).id
        receipt = await self.votes.cast(
            space_id, -1 if answer_id is None else answer_id, voter_id, voter_name, scores, round_id=round_id
        )
        names = await self.spaces.display_names(receipt.round.space_id, [receipt.answer.member_id])
        return RatedVote(receipt, names.get(receipt.answer.member_id, "that member"))


def check_not_own(target: MessageToRate) -> None:
    if target.author_id == target.rater_id:
        raise SelfVote(SELF_VOTE)


def message_form(found: OpenRound | None, target: MessageToRate) -> RatingForm:
    """The form "Rate answer" opens on `target` in `found`'s thread; InvalidInput without an open round."""
    if found is None:
        raise InvalidInput(NOT_RATEABLE)
    if target.shown_answer_id is not None:
        return RatingForm(found.round_id, found.criteria, answer_id=target.shown_answer_id)
    return RatingForm(found.round_id, found.criteria, message_ref=target.message_ref)


def vote_reply(author: str, receipt: VoteReceipt) -> str:
    """What the voter is told once the vote is committed; `author` already made safe to show."""
    points, total = receipt.vote.points, 2 * len(receipt.vote.scores)
    if receipt.first:
        return f"Your vote on {author}'s answer is recorded: {points}/{total}."
    return f"Your vote on {author}'s answer is updated (it replaces your earlier one): {points}/{total}."
