"""Private practice (SPEC section 6): drills with self-scoring and spaced repetition, and /classify."""

from __future__ import annotations

import difflib
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.core import scoring, srs
from bot.core.content import Bank
from bot.core.errors import InvalidInput, NotFound
from bot.core.ids import names_a_row
from bot.core.models import (
    MAX_CRITERION_POINTS,
    TYPE_IDS,
    ClassifyAccuracy,
    Criterion,
    DrillAnswer,
    DrillAttempt,
    DrillCard,
    KeyPoint,
    Question,
    Round,
)
from bot.core.platform import Platforms
from bot.core.ports import Clock, DrillStore
from bot.core.selection import pick_classify_question, pick_drill_question
from bot.core.services.rounds import GrillService, check_answer_text

MAX_SUGGESTIONS = 25  # the most choices a Discord autocomplete shows
SAVE_ATTEMPTS = 3  # tries when a concurrent review of the same card wins the race
DRILL_NOT_YOURS = (
    "That drill isn't one of yours on this {space}, so you can't score or share it. Run /drill to start your own."
)
ALREADY_SHARED = (
    "You already shared this drill for peer votes; a drill is shared once. Its round is in the grill channel."
)
HINT_GONE = "That question is no longer in the bank, so its hint is gone."
NO_HINT = "This question has no hint: start from the type's answer shape on the post."


@dataclass(frozen=True, slots=True)
class DrillReceipt:
    question: Question
    criteria: tuple[Criterion, ...]
    scores: dict[str, int]
    ratio: float  # self-score points / max points, 0..1
    rating: str  # the FSRS rating it gave: "again", "hard", "good" or "easy"
    due_at: datetime  # when the question comes back for review
    reviews: int  # how many times the member has drilled this question, this one included

    @property
    def key_points(self) -> tuple[KeyPoint, ...]:
        return self.question.key_points

    @property
    def follow_ups(self) -> tuple[str, ...]:
        return self.question.follow_ups


@dataclass(frozen=True, slots=True)
class ClassifyResult:
    question: Question
    guessed_type: str
    correct: bool  # the question's type, or one of its `also_types`
    reason: str  # one plain sentence saying what the question is and why
    accuracy: ClassifyAccuracy  # the member's running accuracy, this guess included


def check_scores(criteria: tuple[Criterion, ...], scores: Mapping[str, int]) -> dict[str, int]:
    """Every rubric criterion scored 0, 1 or 2, nothing else; returns the scores in rubric order."""
    expected = [c.id for c in criteria]
    unknown = sorted(set(scores) - set(expected))
    if unknown:
        raise InvalidInput(f"Unknown rubric criterion: {', '.join(unknown)}. Score the rubric's criteria only.")
    missing = [c.label for c in criteria if c.id not in scores]
    if missing:
        raise InvalidInput(f"Score every criterion. Missing: {', '.join(missing)}.")
    if any(type(v) is not int or not 0 <= v <= MAX_CRITERION_POINTS for v in scores.values()):
        raise InvalidInput("Each criterion takes 0 (missing), 1 (partial) or 2 (strong).")
    return {cid: scores[cid] for cid in expected}


def _normal_topic(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


class DrillService:
    def __init__(
        self,
        bank: Bank,
        drills: DrillStore,
        clock: Clock,
        rng: random.Random | None = None,
        grill: GrillService | None = None,
        platforms: Platforms | None = None,
    ) -> None:
        self.bank = bank
        self.platforms = platforms or Platforms()
        self.drills = drills
        self.clock = clock
        self.rng = rng or random.Random()
        self.grill = grill  # for sharing a drill as a round; None where there is no group (the terminal)

    # --- drills ------------------------------------------------------------------------

    async def next_drill(
        self,
        space_id: str,
        member_id: str,
        type_id: str | None = None,
        topic: str | None = None,
        difficulty: int | None = None,
    ) -> Question:
        """The member's next drill among the questions matching the filters.

        Due cards first (earliest due first), then questions never drilled, then the least recently seen.
        """
        type_id, topic = self._check_filters(space_id, type_id, topic, difficulty)
        pool = self.bank.select(type_id, topic, difficulty, space_id)
        if not pool:
            raise NotFound(_no_match_text(type_id, topic, difficulty))
        cards = {c.question_id: c for c in await self.drills.cards(space_id, member_id)}
        return pick_drill_question(pool, cards, self.clock.now(), self.rng)

    def question(self, space_id: str, question_id: str) -> Question:
        """A question by id, when this space can see it (a shipped one, or one of its own packs)."""
        question = self.bank.questions.get(question_id.strip().lower())
        if question is None or not question.visible_in(space_id):
            raise NotFound(f"There is no question '{question_id}' here. Run /drill without it for any question.")
        return question

    def hint(self, space_id: str, question_id: str) -> str:
        """The Hint button: the question's hint as written (escape it to show). NotFound when the
        question is gone or not this space's to see; InvalidInput when it has no hint."""
        question = self.bank.questions.get(question_id)
        if question is None or not space_id or not question.visible_in(space_id):
            raise NotFound(HINT_GONE)
        if not question.hint:
            raise InvalidInput(NO_HINT)
        return question.hint

    def _check_filters(
        self, space_id: str, type_id: str | None, topic: str | None, difficulty: int | None
    ) -> tuple[str | None, str | None]:
        """Validated (type, topic), normalised ("KV cache" -> "kv-cache"); blank means no filter."""
        type_id = (type_id or "").strip().lower() or None
        if type_id is not None and type_id not in TYPE_IDS:
            raise InvalidInput(f"Unknown question type '{type_id}'. Pick one of: {', '.join(TYPE_IDS)}.")
        if difficulty is not None and difficulty not in (1, 2, 3):
            raise InvalidInput(f"Difficulty {difficulty} does not exist. Pick 1 (easy), 2 (medium) or 3 (hard).")
        topic = _normal_topic(topic or "") or None
        topics = self.bank.topics(space_id)
        if topic is not None and topic not in topics:
            close = self.topic_suggestions(space_id, topic)[:5] or difflib.get_close_matches(topic, topics, n=5)
            hint = f" Did you mean: {', '.join(close)}?" if close else " Leave the topic out to drill any topic."
            raise InvalidInput(f"No question has the topic '{topic}'.{hint}")
        return type_id, topic

    async def answer(self, space_id: str, member_id: str, question_id: str, answer_text: str) -> DrillAnswer:
        """Store a drill answer before anything is shown back, so no display limit can lose it."""
        question = self._question(space_id, question_id)
        check_answer_text(answer_text, self.platforms.of(space_id).answer_limit)
        now = self.clock.now()
        drill_id = await self.drills.save_answer(space_id, member_id, question.id, answer_text, now)
        return DrillAnswer(drill_id, space_id, member_id, question.id, answer_text, now)

    async def drill_answer(self, space_id: str, member_id: str, drill_id: int) -> DrillAnswer:
        """The member's own stored drill answer; any other id (another member's, another space's, none,
        or one SQLite can't hold) gets the same refusal."""
        drill = await self.drills.answer(drill_id) if names_a_row(drill_id) else None
        if drill is None or drill.space_id != space_id or drill.member_id != member_id:
            raise NotFound(self.platforms.words(space_id, DRILL_NOT_YOURS))
        return drill

    async def score(self, space_id: str, member_id: str, drill_id: int, self_scores: Mapping[str, int]) -> DrillReceipt:
        """Self-score a stored drill answer of the member's (see `submit`)."""
        drill = await self.drill_answer(space_id, member_id, drill_id)
        return await self.submit(space_id, member_id, drill.question_id, drill.answer, self_scores)

    async def share(self, space_id: str, member_id: str, display_name: str, drill_id: int) -> Round:
        """Put the member's stored drill answer to the group as its own round, once per drill.

        The claim is a conditional update in the database, so a second press or a replayed button
        is refused even across processes; a share that fails is released for another try."""
        if self.grill is None:
            raise RuntimeError("no grill service is attached to the drill service")
        drill = await self.drill_answer(space_id, member_id, drill_id)
        if not await self.drills.claim_share(drill.id, self.clock.now()):
            raise InvalidInput(ALREADY_SHARED)
        try:
            return await self.grill.share_drill(space_id, member_id, display_name, drill.question_id, drill.answer)
        except Exception:
            await self.drills.release_share(drill.id)
            raise

    async def submit(
        self, space_id: str, member_id: str, question_id: str, answer_text: str, self_scores: Mapping[str, int]
    ) -> DrillReceipt:
        """Record a drill answer with the member's own scores and reschedule the question (FSRS)."""
        question = self._question(space_id, question_id)
        check_answer_text(answer_text, self.platforms.of(space_id).answer_limit)
        criteria = self.bank.criteria_for(question)
        scores = check_scores(criteria, self_scores)
        ratio = sum(scores.values()) / scoring.max_points(criteria)
        for _ in range(SAVE_ATTEMPTS):
            now = self.clock.now()
            stored = await self.drills.card(space_id, member_id, question_id)
            previous = srs.loads(stored.state) if stored else srs.new_card(now)
            reviewed = srs.review(previous, ratio, now)
            card = DrillCard(question_id, srs.dumps(reviewed), reviewed.due, now, (stored.reviews if stored else 0) + 1)
            attempt = DrillAttempt(space_id, member_id, question_id, question.type, answer_text, scores, ratio, now)
            if await self.drills.save_review(attempt, card):
                rating = srs.rating_for(ratio).name.lower()
                return DrillReceipt(question, criteria, scores, ratio, rating, card.due_at, card.reviews)
        raise InvalidInput("This question was being scored from somewhere else at the same time. Submit again.")

    async def due_count(self, space_id: str, member_id: str) -> int:
        """Cards due now, counting only questions still in the bank (so each can be drilled)."""
        due = await self.drills.due_question_ids(space_id, member_id, self.clock.now())
        return sum(qid in self.bank.questions for qid in due)

    def topic_suggestions(self, space_id: str, prefix: str) -> list[str]:
        """Topics for an autocomplete: those starting with `prefix`, then those containing it (at most 25)."""
        wanted = _normal_topic(prefix)
        topics = self.bank.topics(space_id)
        starts = [t for t in topics if t.startswith(wanted)]
        contains = [t for t in topics if wanted in t and not t.startswith(wanted)]
        return (starts + contains)[:MAX_SUGGESTIONS]

    # --- classify ----------------------------------------------------------------------

    async def classify_question(self, space_id: str, member_id: str) -> Question:
        """A question to classify, preferring ones the member has not classified yet."""
        pool = self.bank.select(space_id=space_id)
        if not pool:
            raise NotFound("The question bank is empty. Add a pack under content/questions first.")
        return pick_classify_question(pool, await self.drills.classified(space_id, member_id), self.rng)

    async def classify(self, space_id: str, member_id: str, question_id: str, guessed_type: str) -> ClassifyResult:
        """Check a type guess. A guess in the question's `also_types` is right too: it honestly reads that way."""
        question = self._question(space_id, question_id)
        guess = guessed_type.strip().lower()
        if guess not in TYPE_IDS:
            raise InvalidInput(f"Unknown question type '{guessed_type}'. Pick one of: {', '.join(TYPE_IDS)}.")
        correct = question.reads_as(guess)
        await self.drills.save_classify(space_id, member_id, question.id, guess, correct, self.clock.now())
        accuracy = await self.drills.classify_accuracy(space_id, member_id)
        return ClassifyResult(question, guess, correct, self._classify_reason(question, guess), accuracy)

    async def classify_accuracy(self, space_id: str, member_id: str) -> ClassifyAccuracy:
        return await self.drills.classify_accuracy(space_id, member_id)

    def _classify_reason(self, question: Question, guess: str) -> str:
        filed = self._type_name(question.type)
        if guess == question.type:
            return f"Right: it is a {filed} question. The {filed} shape: {self.bank.types[question.type].answer_shape}"
        if guess in question.also_types:
            return (
                f"Right: it is filed as {filed}, and it also reads as {self._type_name(guess)}. "
                f"The {filed} shape: {self.bank.types[question.type].answer_shape}"
            )
        others = [self._type_name(t) for t in question.also_types]
        also = f" (it also reads as {' or '.join(others)})" if others else ""
        return (
            f"Not quite: it is a {filed} question{also}, not {self._type_name(guess)}. "
            f"The {filed} shape: {self.bank.types[question.type].answer_shape}"
        )

    def _type_name(self, type_id: str) -> str:
        qtype = self.bank.types.get(type_id)
        return qtype.name if qtype else type_id

    def _question(self, space_id: str, question_id: str) -> Question:
        question = self.bank.questions.get(question_id)
        if question is None or not question.visible_in(space_id):
            raise NotFound("That question is no longer in the bank (its pack changed). Start a new drill.")
        return question


def _no_match_text(type_id: str | None, topic: str | None, difficulty: int | None) -> str:
    filters = (("type", type_id), ("topic", topic), ("difficulty", difficulty))
    given = ", ".join(f"{name} {value}" for name, value in filters if value)
    if not given:
        return "The question bank is empty. Add a pack under content/questions first."
    return f"No question matches {given}. Drop a filter or pick another value."
