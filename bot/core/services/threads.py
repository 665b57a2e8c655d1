"""A round's thread on any platform: each member message as it arrives, and the read-back after an
outage, when the platform did not deliver what was said meanwhile (a Discord session that could
not resume; a Slack socket, which never replays).

The front end only reads the platform: it turns each message into a `ThreadMessage`, fetches what
`plans()` asks for, and does what it is told (reply with a refusal, mark an answer seen). Whether a
message is an answer or discussion, whether an edit counts, and which answers were withdrawn is
decided here, once for every platform.

A read-back, per front end:

    for plan in await threads.plans(PREFIX):          # marks those rounds as being read back
        try:
            current = {ref: fetch(ref) for ref in plan.recheck}   # None for a deleted message;
                                                                  # leave out a ref it could not fetch
            since = history(after=plan.after, limit=plan.limit)   # oldest first, members' messages only
            report = await threads.reconcile(plan, current, since)
            reply to each of report.refusals
        finally:
            threads.done(plan.round.id)                   # the round's close may go on

While a round is being read back `caught_up` is False, and the publisher's `caught_up` returns it,
so the round's close waits (without spending an attempt) until every answer sent meanwhile counts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import DomainError
from bot.core.models import Answer, Round
from bot.core.services.rounds import AnswerOutcome, AnswerReceipt, GrillService

log = logging.getLogger(__name__)

READ_BACK_LIMIT = 1000  # messages read back per round after an outage; more is a flood, not answers


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """A member's message in a round's thread, as the platform shows it now."""

    ref: str  # the platform's opaque message ref
    member_id: str
    display_name: str
    body: str
    sent_at: datetime
    edited_at: datetime | None = None  # when it was last edited, if it was


@dataclass(frozen=True, slots=True)
class Taken:
    """What became of one thread message; `refusal` is what to tell its author (None: nothing)."""

    receipt: AnswerReceipt | None
    refusal: str | None = None

    @property
    def new_answer(self) -> bool:
        """True when the message was recorded as its author's answer (worth a ✅)."""
        return self.receipt is not None and self.receipt.outcome is AnswerOutcome.CREATED


@dataclass(frozen=True, slots=True)
class ReadBackPlan:
    """What to fetch for one round: the recorded answers' messages, and the thread after `after`."""

    round: Round
    after: str | None  # read messages after this ref: the last one recorded, else the post
    recheck: tuple[str, ...]  # refs of recorded answer messages: edited or deleted while away?
    limit: int = READ_BACK_LIMIT


@dataclass(frozen=True, slots=True)
class ReadBackReport:
    round_id: int
    read: int  # messages read after the cursor
    added: int  # answers recorded from them
    updated: int  # answers whose text changed
    withdrawn: int  # answers whose message was deleted
    refusals: tuple[tuple[ThreadMessage, str], ...]  # (message, what to tell its author)


class ThreadService:
    def __init__(self, grill: GrillService) -> None:
        self.grill = grill
        self._reading_back: set[int] = set()

    async def take(self, round_id: int, message: ThreadMessage) -> Taken:
        """A member's message in the thread of round `round_id` (found by the front end within the
        caller's space: `RoundCache.for_thread`): their first is the answer, later ones discussion; a
        first one sent after answers closed (or empty, or too long) is refused with the reason to
        tell them, and stays as discussion. The round's read-back cursor moves past it either way."""
        try:
            receipt = await self.grill.thread_message(
                round_id, message.member_id, message.display_name, message.body, message.ref, sent_at=message.sent_at
            )
        except DomainError as error:
            await self.grill.record_seen(round_id, message.ref)
            return Taken(None, error.message)
        if receipt.round is not None:
            await self.grill.record_seen(receipt.round.id, message.ref)
        return Taken(receipt)

    async def plans(self, space_prefix: str) -> list[ReadBackPlan]:
        """The live rounds with a thread in spaces whose id starts with `space_prefix` ("discord:"),
        each with what to fetch; each is marked as being read back until `done`. Blind rounds
        take answers by form, not in the thread, so they have nothing to read back."""
        plans = []
        for rnd in await self.grill.due_rounds():
            if not rnd.thread_ref or rnd.blind or not rnd.space_id.startswith(space_prefix):
                continue
            answers = await self.grill.rounds.answers(rnd.id)
            after = await self.grill.rounds.seen_message(rnd.id) or rnd.message_ref
            plans.append(ReadBackPlan(rnd, after, _refs(answers)))
            self._reading_back.add(rnd.id)
        return plans

    async def reconcile(
        self, plan: ReadBackPlan, current: Mapping[str, ThreadMessage | None], since: Sequence[ThreadMessage]
    ) -> ReadBackReport:
        """Apply what the platform read back for `plan`: `current` maps each ref of `plan.recheck` the
        platform could fetch to the message now (None: deleted, so the answer is withdrawn); `since`
        holds the members' messages after `plan.after`, oldest first (the bot's own left out)."""
        space_id, updated, withdrawn, added = plan.round.space_id, 0, 0, 0
        for ref in plan.recheck:
            if ref not in current:
                continue  # could not be fetched: leave the answer as recorded
            now = current[ref]
            if now is None:
                withdrawn += (await self.grill.message_deleted(space_id, ref)).outcome is AnswerOutcome.UPDATED
            else:
                updated += await self._edited(space_id, now)
        refusals = []
        for message in since[: plan.limit]:
            taken = await self.take(plan.round.id, message)
            added += taken.new_answer
            if taken.refusal is not None:
                refusals.append((message, taken.refusal))
            if message.edited_at is not None and not taken.new_answer:
                updated += await self._edited(space_id, message)
        if since:
            log.info("round %s: read %d message(s) posted while away", plan.round.id, len(since))
        return ReadBackReport(plan.round.id, len(since[: plan.limit]), added, updated, withdrawn, tuple(refusals))

    async def _edited(self, space_id: str, message: ThreadMessage) -> bool:
        receipt = await self.grill.message_edited(space_id, message.ref, message.body, message.edited_at)
        return receipt.outcome is AnswerOutcome.UPDATED

    def done(self, round_id: int) -> None:
        """The round's read-back ended, well or not: its close may go on with what was recorded."""
        self._reading_back.discard(round_id)

    def caught_up(self, round_id: int) -> bool:
        """False while the round's thread is being read back (a publisher's `caught_up`)."""
        return round_id not in self._reading_back


def _refs(answers: Sequence[Answer]) -> tuple[str, ...]:
    return tuple(a.message_ref for a in answers if a.message_ref is not None)
