"""Peer votes against the rubric: one per voter per answer, 0/1/2 per criterion (SPEC section 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core import scoring
from bot.core.errors import InvalidInput, NotFound, RoundClosed, SelfVote
from bot.core.ids import names_a_row
from bot.core.models import MAX_CRITERION_POINTS, Answer, Round, Vote
from bot.core.platform import Platforms
from bot.core.ports import Clock, RoundStore, VoteStore

ANSWER_NOT_HERE = (  # a template: `Platform.words` fills in {space}
    "That answer isn't one you can rate on this {space}: its author may have withdrawn it, or the form "
    "came from somewhere else. Press Vote on this {space}'s grill post to pick an answer."
)
SELF_VOTE = "You can't rate your own answer. Rate someone else's: reviewing is practice too."
VOTING_NOT_YET = "Voting opens when the answers are revealed, after the answer window ends."
NOT_AN_ANSWER = "That message isn't an answer: a member's first message in the thread is their answer."


@dataclass(frozen=True, slots=True)
class VoteReceipt:
    round: Round
    answer: Answer
    vote: Vote
    first: bool  # False when it replaced the voter's earlier vote


class VoteService:
    def __init__(self, votes: VoteStore, rounds: RoundStore, clock: Clock, platforms: Platforms | None = None) -> None:
        self.votes = votes
        self.rounds = rounds
        self.clock = clock
        self.platforms = platforms or Platforms()

    async def answer_on_message(self, space_id: str, round_id: int, message_ref: str) -> Answer:
        """The answer a message shows, when it is one of `round_id`'s in `space_id` ("Rate answer")."""
        answer = await self.rounds.answer_by_message(space_id, message_ref)
        rnd = await self.rounds.get(answer.round_id) if answer and answer.round_id == round_id else None
        if answer is None or rnd is None or rnd.space_id != space_id:
            raise InvalidInput(NOT_AN_ANSWER)
        return answer

    async def cast(
        self,
        space_id: str,
        answer_id: int,
        voter_id: str,
        voter_name: str,
        scores: Mapping[str, int],
        round_id: int | None = None,
    ) -> VoteReceipt:
        """Record or replace a vote. Every rubric criterion must be scored 0, 1 or 2.

        The rules are checked on the answer and round as they stand inside the vote's own write
        transaction, so nothing can close the round between the check and the write.
        """
        not_here = self.platforms.words(space_id, ANSWER_NOT_HERE)
        if not names_a_row(answer_id):  # a crafted id SQLite could not even look up
            raise NotFound(not_here)
        now = self.clock.now()

        def decide(found: tuple[Round, Answer] | None) -> tuple[Vote, float]:
            rnd, answer = _votable(found, space_id, voter_id, now, round_id, not_here)
            return _vote(rnd, answer, voter_id, scores)

        rnd, answer, vote, first = await self.votes.save(answer_id, decide, now, voter_name)
        return VoteReceipt(rnd, answer, vote, first)


def _votable(
    found: tuple[Round, Answer] | None,
    space_id: str,
    voter_id: str,
    now: datetime,
    round_id: int | None,
    not_here: str,
) -> tuple[Round, Answer]:
    """The round and answer, when `voter_id` may vote on it now; a DomainError saying why not otherwise.

    An answer of another space (or of another round than `round_id`, when given) is refused
    exactly like one that does not exist, so the refusal tells nothing about other spaces."""
    if found is None or found[0].space_id != space_id or round_id not in (None, found[0].id):
        raise NotFound(not_here)
    rnd, answer = found
    if answer.member_id == voter_id:
        raise SelfVote(SELF_VOTE)
    if not rnd.accepts_votes(now):
        raise RoundClosed("Voting on this round has closed. The results are in the thread.")
    if rnd.blind and rnd.accepts_answers(now):
        raise InvalidInput(VOTING_NOT_YET)
    return rnd, answer


def _vote(rnd: Round, answer: Answer, voter_id: str, scores: Mapping[str, int]) -> tuple[Vote, float]:
    """The vote with its ratio, when `scores` scores every criterion of the round's rubric 0, 1 or 2."""
    expected = [c.id for c in rnd.question.criteria]
    missing = [c.label for c in rnd.question.criteria if c.id not in scores]
    unknown = sorted(set(scores) - set(expected))
    if unknown:
        raise InvalidInput(f"Unknown rubric criterion: {', '.join(unknown)}. Score the form's criteria only.")
    if missing:
        raise InvalidInput(f"Score every criterion. Missing: {', '.join(missing)}.")
    if any(type(v) is not int or not 0 <= v <= MAX_CRITERION_POINTS for v in scores.values()):
        raise InvalidInput("Each criterion takes 0 (missing), 1 (partial) or 2 (strong).")
    vote = Vote(answer.id, voter_id, {cid: scores[cid] for cid in expected})
    return vote, scoring.vote_ratio(vote, rnd.question.criteria)
