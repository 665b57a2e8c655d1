"""Peer votes against the rubric: one per voter per answer, 0/1/2 per criterion (SPEC section 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core import scoring
from bot.core.errors import InvalidInput, NotFound, RoundClosed, SelfVote, WrongSpace
from bot.core.models import MAX_CRITERION_POINTS, Answer, Round, Vote
from bot.core.ports import Clock, RoundStore, SpaceStore


@dataclass(frozen=True, slots=True)
class VoteReceipt:
    round: Round
    answer: Answer
    vote: Vote
    first: bool  # False when it replaced the voter's earlier vote


class VoteService:
    def __init__(self, spaces: SpaceStore, rounds: RoundStore, clock: Clock) -> None:
        self.spaces = spaces
        self.rounds = rounds
        self.clock = clock

    async def votable(self, space_id: str, answer_id: int, voter_id: str) -> tuple[Round, Answer]:
        """The round and answer, when `voter_id` may vote on it now; a DomainError saying why not otherwise."""
        answer = await self.rounds.answer(answer_id)
        if answer is None:
            raise NotFound("That answer no longer exists: its author withdrew it.")
        rnd = await self.rounds.get(answer.round_id)
        if rnd is None:
            raise NotFound("That round no longer exists.")
        if rnd.space_id != space_id:
            raise WrongSpace("That answer belongs to another server's round.")
        if answer.member_id == voter_id:
            raise SelfVote("You can't rate your own answer. Rate someone else's: reviewing is practice too.")
        now = self.clock.now()
        if not rnd.accepts_votes(now):
            raise RoundClosed("Voting on this round has closed. The results are in the thread.")
        if rnd.blind and rnd.accepts_answers(now):
            raise InvalidInput("Voting opens when the answers are revealed, after the answer window ends.")
        return rnd, answer

    async def cast(
        self, space_id: str, answer_id: int, voter_id: str, voter_name: str, scores: Mapping[str, int]
    ) -> VoteReceipt:
        """Record or replace a vote. Every rubric criterion must be scored 0, 1 or 2."""
        rnd, answer = await self.votable(space_id, answer_id, voter_id)
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
        ratio = scoring.vote_ratio(vote, rnd.question.criteria)
        first = await self.rounds.save_vote(answer, vote, ratio, self.clock.now(), voter_name)
        return VoteReceipt(rnd, answer, vote, first)
