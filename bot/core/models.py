"""Domain records shared by the core, the store and every front end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

TYPE_IDS: tuple[str, ...] = (
    "derivation",
    "coding",
    "debugging",
    "evaluation",
    "systems",
    "research_judgment",
)
MAX_CRITERION_POINTS = 2  # each rubric criterion scores 0 (missing), 1 (partial) or 2 (strong)


SCORE_NAMES = ("missing", "partial", "strong")  # what 0, 1 and 2 mean when a criterion has no anchors


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: str
    description: str
    # One line per score 0, 1, 2 saying what earns it; () in frameworks written before anchors existed.
    anchors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchors", tuple(self.anchors))  # a list from a stored snapshot

    def anchor(self, score: int) -> str:
        """What `score` means on this criterion: its anchor, else the generic missing/partial/strong."""
        return self.anchors[score] if len(self.anchors) == len(SCORE_NAMES) else SCORE_NAMES[score]


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """One point of the reference outline. A plain string in a pack is a must-have with no criterion."""

    text: str
    bonus: bool = False  # False: a strong answer must make it; True: extra credit
    criterion: str | None = None  # the rubric criterion this point evidences, if the author said

    @classmethod
    def of(cls, item: str | KeyPoint | dict[str, object]) -> KeyPoint:
        """From a plain string (today's format and old snapshots), a KeyPoint, or its stored dict."""
        if isinstance(item, KeyPoint):
            return item
        if isinstance(item, str):
            return cls(item)
        criterion = item.get("criterion")
        return cls(str(item["text"]), bool(item.get("bonus", False)), str(criterion) if criterion else None)


def key_points_in_order(points: tuple[KeyPoint, ...]) -> tuple[KeyPoint, ...]:
    """Must-haves first, bonus points after, each group in the author's order."""
    return tuple(p for p in points if not p.bonus) + tuple(p for p in points if p.bonus)


def numbered_key_points(points: Sequence[KeyPoint | str]) -> list[tuple[int | None, KeyPoint]]:
    """`key_points_in_order` with each must-have's number from 1 (None for a bonus point), as every
    platform shows them; a plain string (a round stored before key point marks) is a must-have."""
    numbered: list[tuple[int | None, KeyPoint]] = []
    number = 0
    for point in key_points_in_order(tuple(KeyPoint.of(p) for p in points)):
        number += not point.bonus
        numbered.append((None if point.bonus else number, point))
    return numbered


@dataclass(frozen=True, slots=True)
class QuestionType:
    id: str
    name: str
    answer_shape: str
    criteria: tuple[Criterion, ...]
    failure_modes: tuple[str, ...]
    # Retired criterion id -> the current id that took it over (a criterion's `replaces:`), so a
    # pack written against an older rubric still loads and means the same thing.
    replaced: dict[str, str] = field(default_factory=dict)

    def criterion(self, criterion_id: str) -> Criterion | None:
        """The criterion with this id, or the one that replaced a retired id."""
        wanted = self.replaced.get(criterion_id, criterion_id)
        return next((c for c in self.criteria if c.id == wanted), None)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    pack: str
    type: str
    topics: tuple[str, ...]
    difficulty: int
    prompt: str
    key_points: tuple[KeyPoint, ...]  # plain strings given here are read as must-have points
    also_types: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    bridges: tuple[str, ...] = ()
    rubric: tuple[str, ...] = ()
    hint: str = ""  # the scaffold of a strong answer, shown only on request; the prompt stays short
    long_form: str = ""  # the id of the topical question this rapid question is the short form of
    source: str = ""
    space_id: str | None = None  # a pack a server imported is that server's; None: shipped, for everyone

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_points", tuple(KeyPoint.of(p) for p in self.key_points))

    def visible_in(self, space_id: str | None) -> bool:
        return self.space_id is None or self.space_id == space_id

    def reads_as(self, type_id: str) -> bool:
        """True when `type_id` is this question's type or one of its honest other readings."""
        return type_id == self.type or type_id in self.also_types


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class BoardView(StrEnum):
    POINTS = "points"
    RATING = "rating"


class RoundState(StrEnum):
    POSTING = "posting"  # the unique row is written, the post is not confirmed yet
    OPEN = "open"  # answers (until answers_close_at) and votes accepted
    CLOSING = "closing"  # no more votes; scores being computed
    CLOSED = "closed"  # results final


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """Per-space daily-grill settings. `weekdays` are ISO numbers, Monday = 1."""

    space_id: str
    channel_ref: str | None = None
    post_time: str = "09:00"
    timezone: str = "UTC"
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    paused: bool = False
    blind_mode: bool = False
    answer_window_minutes: int | None = None  # None: answers accepted until the round closes
    close_before_next_minutes: int = 120  # the round closes this long before the next post
    reminder_before_close_minutes: int = 180
    fault: str | None = None  # a platform fault an admin can fix, with the fix; cleared by a step that succeeds


class StepKind(StrEnum):
    """The timed steps the bot owes a space. A post belongs to a (space, local date), the rest to a round."""

    POST = "post"
    REVEAL = "reveal"
    REMIND = "remind"
    CLOSE = "close"  # freeze and score: the database only, so it cannot fail on the platform
    RESULTS = "results"  # the results post and the retired buttons (and, where the platform can, a locked thread)


class StepState(StrEnum):
    DUE = "due"
    RUNNING = "running"  # claimed by a runner whose lease has not expired
    DONE = "done"
    FAILED = "failed"  # given up, with the reason kept


@dataclass(frozen=True, slots=True)
class Step:
    id: int
    kind: StepKind
    space_id: str
    round_id: int | None
    local_date: date | None
    state: StepState
    due_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    last_error: str | None = None
    manual: bool = False  # a post an admin asked for: made even when paused or on an off day


@dataclass(frozen=True, slots=True)
class QuestionSnapshot:
    """What the members were shown and will be shown at close: stored with the round."""

    id: str
    type: str
    prompt: str
    topics: tuple[str, ...]
    difficulty: int
    key_points: tuple[KeyPoint, ...]  # plain strings (rounds stored before key point marks) are must-haves
    follow_ups: tuple[str, ...]
    criteria: tuple[Criterion, ...]  # the rubric as posted: votes are checked and shown against it
    long_form: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_points", tuple(KeyPoint.of(p) for p in self.key_points))


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    space_id: str
    kind: str  # "daily" | "drill"
    local_date: date | None
    state: RoundState
    question: QuestionSnapshot
    channel_ref: str | None
    message_ref: str | None
    thread_ref: str | None
    opened_at: datetime
    answers_close_at: datetime
    closes_at: datetime
    blind: bool = False
    reminded: bool = False
    revealed: bool = False
    results_ref: str | None = None

    @property
    def live(self) -> bool:
        """Open, or posted a moment ago and still being recorded: its post is what members act on."""
        return self.state in (RoundState.POSTING, RoundState.OPEN)

    def accepts_answers(self, now: datetime) -> bool:
        return self.live and now < self.answers_close_at

    def accepts_votes(self, now: datetime) -> bool:
        return self.live and now < self.closes_at


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    round_id: int
    member_id: str
    body: str
    message_ref: str | None
    created_at: datetime
    updated_at: datetime
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Vote:
    answer_id: int
    voter_id: str
    scores: dict[str, int] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return sum(self.scores.values())


@dataclass(frozen=True, slots=True)
class CriterionResult:
    criterion: Criterion
    mean: float | None  # mean points over voters, None without votes
    disagreement: bool  # some voters gave 0 and some gave 2


@dataclass(frozen=True, slots=True)
class AnswerResult:
    answer: Answer
    display_name: str
    score: float | None
    voters: int
    criteria: tuple[CriterionResult, ...]
    rank: int | None


@dataclass(frozen=True, slots=True)
class RoundResults:
    round: Round
    answers: tuple[AnswerResult, ...]


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    member_id: str
    display_name: str
    value: float  # points, or mean score for the rating view
    answers: int
    votes_cast: int


@dataclass(frozen=True, slots=True)
class Totals:
    """One member's aggregate in one type (or overall) and period."""

    points: float = 0.0
    answers: int = 0
    scored_answers: int = 0
    score_sum: float = 0.0
    votes_cast: int = 0


@dataclass(frozen=True, slots=True)
class Board:
    space_id: str
    type_id: str | None  # None: overall
    period: Period
    view: BoardView
    rows: tuple[BoardRow, ...]
    caller: BoardRow | None  # the caller's own row, also when outside the rows shown


@dataclass(frozen=True, slots=True)
class DrillCard:
    """A member's spaced-repetition state for one question. `state` is the FSRS card as JSON."""

    question_id: str
    state: str
    due_at: datetime
    last_seen_at: datetime
    reviews: int


@dataclass(frozen=True, slots=True)
class DrillAttempt:
    """One private drill answer with the member's own score per rubric criterion."""

    space_id: str
    member_id: str
    question_id: str
    type_id: str
    answer: str
    scores: dict[str, int]
    ratio: float  # self-score points / max points over the question's rubric
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DrillAnswer:
    """A drill answer as the member typed it, stored before anything is shown back to them.

    Its id rides in the "Score yourself" and "Share" buttons; only its member, in its space, may use it."""

    id: int
    space_id: str
    member_id: str
    question_id: str
    answer: str
    created_at: datetime
    shared: bool = False  # shared for peer votes (at most once)


@dataclass(frozen=True, slots=True)
class RatioSample:
    """One rubric ratio (0..1) about a member's answer: a drill self-score, or the peer-vote mean of a daily answer."""

    type_id: str
    source: str  # "self" | "peer"
    ratio: float
    at: datetime


@dataclass(frozen=True, slots=True)
class ClassifyAccuracy:
    attempts: int = 0
    correct: int = 0

    @property
    def ratio(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None


@dataclass(frozen=True, slots=True)
class StoredPack:
    """A pack a server imported, as uploaded (re-validated at every start)."""

    space_id: str
    pack_id: str
    filename: str
    source: bytes
