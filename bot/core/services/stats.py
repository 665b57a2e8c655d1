"""What /stats shows about one member (SPEC section 6): standing per type, practice, and a weekly series.

Strength in a type is measured by rubric ratios (points / max points, 0..1) about the member's
own answers, from two sources: their drill self-scores, and for each daily answer that got votes
the mean of its peer votes. The weekly series averages both sources per type and week, weeks
starting on Monday in the space's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from zoneinfo import ZoneInfo

from bot.core import schedule
from bot.core.content import Bank
from bot.core.errors import InvalidInput
from bot.core.models import ClassifyAccuracy, RatioSample
from bot.core.ports import Clock, DrillStore, SpaceStore
from bot.core.services.boards import BoardService, Standing
from bot.core.services.drills import DrillService

WEEKS_SHOWN = 12


@dataclass(frozen=True, slots=True)
class TypeStats:
    type_id: str
    name: str
    points: float  # all-time leaderboard points in the type
    rating: float | None  # mean daily answer score once rated (see scoring.RATING_MIN_ANSWERS)
    answers: int  # daily answers
    drills: int
    self_ratio: float | None  # mean drill self-score ratio, all time
    peer_ratio: float | None  # mean peer-vote ratio of the member's daily answers, all time


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: date  # the Monday starting the week
    type_id: str
    ratio: float  # mean of the week's self and peer ratios in the type
    samples: int


@dataclass(frozen=True, slots=True)
class MemberStats:
    space_id: str
    member_id: str
    display_name: str
    standing: Standing  # points, answers, votes given and streaks
    per_type: tuple[TypeStats, ...]  # one per type, in TYPE_IDS order
    classify: ClassifyAccuracy
    drills: int
    cards_due: int
    weeks: tuple[date, ...]  # the Mondays the series covers, oldest first
    weekly: tuple[WeekPoint, ...]  # only weeks and types with samples

    @property
    def has_scores(self) -> bool:
        return any(t.self_ratio is not None or t.peer_ratio is not None for t in self.per_type)


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_series(
    samples: Sequence[RatioSample], zone: ZoneInfo, today: date, weeks: int = WEEKS_SHOWN
) -> tuple[tuple[date, ...], tuple[WeekPoint, ...]]:
    """The last `weeks` Mondays up to `today`'s week, and the mean ratio per (week, type) with samples."""
    last = week_start(today)
    mondays = tuple(last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1))
    buckets: dict[tuple[date, str], list[float]] = defaultdict(list)
    for sample in samples:
        week = week_start(sample.at.astimezone(zone).date())
        if mondays[0] <= week <= last:
            buckets[(week, sample.type_id)].append(sample.ratio)
    points = tuple(
        WeekPoint(week, type_id, fmean(ratios), len(ratios))
        for (week, type_id), ratios in sorted(buckets.items(), key=lambda item: (item[0][0], item[0][1]))
    )
    return mondays, points


class StatsService:
    def __init__(
        self,
        bank: Bank,
        boards: BoardService,
        drills: DrillService,
        store: DrillStore,
        spaces: SpaceStore,
        clock: Clock,
    ) -> None:
        self.bank = bank
        self.boards = boards
        self.drills = drills
        self.store = store
        self.spaces = spaces
        self.clock = clock

    async def member_stats(self, space_id: str, member_id: str, viewer_id: str | None = None) -> MemberStats:
        """Everything /stats shows for `member_id`. A member who hid from the leaderboards (/me hide)
        still sees their own stats; others asking get an explanation instead."""
        if viewer_id is not None and viewer_id != member_id and await self.spaces.is_hidden(space_id, member_id):
            raise InvalidInput("That member keeps their standing private (/me hide), so their stats are theirs only.")
        standing = await self.boards.standing(space_id, member_id)
        samples = await self.store.ratio_samples(space_id, member_id)
        settings = await self.spaces.settings(space_id)
        names = await self.spaces.display_names(space_id, [member_id])
        ratios: dict[tuple[str, str], list[float]] = defaultdict(list)
        for sample in samples:
            ratios[(sample.type_id, sample.source)].append(sample.ratio)
        per_type = tuple(
            TypeStats(
                type_id=t.type_id,
                name=self.bank.types[t.type_id].name if t.type_id in self.bank.types else t.type_id,
                points=t.points,
                rating=t.rating,
                answers=t.answers,
                drills=len(ratios[(t.type_id, "self")]),
                self_ratio=_mean(ratios[(t.type_id, "self")]),
                peer_ratio=_mean(ratios[(t.type_id, "peer")]),
            )
            for t in standing.per_type
        )
        today = schedule.local_today(settings, self.clock.now())
        weeks, weekly = weekly_series(samples, ZoneInfo(settings.timezone), today)
        return MemberStats(
            space_id=space_id,
            member_id=member_id,
            display_name=names.get(member_id, member_id),
            standing=standing,
            per_type=per_type,
            classify=await self.drills.classify_accuracy(space_id, member_id),
            drills=sum(s.source == "self" for s in samples),
            cards_due=await self.drills.due_count(space_id, member_id),
            weeks=weeks,
            weekly=weekly,
        )
