"""Leaderboards per type and period, and a member's standing (SPEC section 5)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core import schedule, scoring
from bot.core.errors import InvalidInput
from bot.core.models import TYPE_IDS, Board, BoardView, Period, Totals
from bot.core.ports import BoardStore, Clock, RoundStore, SpaceStore

OVERALL = "*"
BOARD_SIZE = 10


@dataclass(frozen=True, slots=True)
class TypeStanding:
    type_id: str
    points: float
    answers: int
    rating: float | None  # mean score once the member has RATING_MIN_ANSWERS scored answers
    votes_cast: int


@dataclass(frozen=True, slots=True)
class Standing:
    member_id: str
    per_type: tuple[TypeStanding, ...]
    overall_points: float
    answers: int
    votes_cast: int
    streak: int
    best_streak: int


class BoardService:
    def __init__(self, spaces: SpaceStore, rounds: RoundStore, boards: BoardStore, clock: Clock) -> None:
        self.spaces = spaces
        self.rounds = rounds
        self.boards = boards
        self.clock = clock

    async def leaderboard(
        self,
        space_id: str,
        type_id: str | None = None,
        period: Period = Period.WEEK,
        view: BoardView = BoardView.POINTS,
        caller_id: str | None = None,
        limit: int = BOARD_SIZE,
    ) -> Board:
        """Top `limit` rows (ties at the cut all shown) and the caller's own row wherever it ranks."""
        if type_id is not None and type_id not in TYPE_IDS:
            raise InvalidInput(f"Unknown question type '{type_id}'. Pick one of: {', '.join(TYPE_IDS)}.")
        settings = await self.spaces.settings(space_id)
        key = scoring.period_key(period.value, schedule.local_today(settings, self.clock.now()))
        top, mine = await self.boards.page(
            space_id, type_id or OVERALL, key, view.value, scoring.RATING_MIN_ANSWERS, limit, caller_id
        )
        ranks = scoring.competition_ranks([r.value for r in top])
        shown = tuple(replace(row, rank=rank) for row, rank in zip(top, ranks, strict=True))
        caller = None
        if mine is not None:
            row, above = mine
            caller = replace(row, rank=above + 1)  # competition rank: one more than the rows strictly above
        return Board(space_id, type_id, period, view, shown, caller)

    async def standing(self, space_id: str, member_id: str) -> Standing:
        """A member's all-time points and rating per type, participation, votes given and streaks."""
        totals = await self.boards.member_totals(space_id, member_id, "all")
        per_type = tuple(
            TypeStanding(
                type_id,
                t.points,
                t.answers,
                t.score_sum / t.scored_answers if t.scored_answers >= scoring.RATING_MIN_ANSWERS else None,
                t.votes_cast,
            )
            for type_id in TYPE_IDS
            for t in [totals.get(type_id, Totals())]
        )
        overall = totals.get(OVERALL, Totals())
        dates = await self.rounds.daily_dates(space_id)
        settings = await self.spaces.settings(space_id)
        today = schedule.local_today(settings, self.clock.now())
        streak, best = schedule.streaks(
            dates, await self.rounds.answered_dates(space_id, member_id), today if today in dates else None
        )
        return Standing(member_id, per_type, overall.points, overall.answers, overall.votes_cast, streak, best)
