"""Drills and classify practice on the core: real SQLite file, fake clock, the fixture content.

The fixture bank has three questions, one per type: sample-systems (rubric of 3 criteria),
sample-derivation (also reads as evaluation; 5 criteria) and sample-coding (5 criteria).
"""

import asyncio
import re
from datetime import timedelta

import pytest

from bot.core.content import Bank
from bot.core.errors import InvalidInput, NotFound
from bot.core.models import Question
from bot.core.platform import DEFAULT
from bot.core.services.drills import ALREADY_SHARED, DRILL_NOT_YOURS, DrillService
from tests.fakes import FakeClock

SPACE, ANN = "discord:1", "ann"


def scores(services, question_id: str, value: int = 2) -> dict[str, int]:
    question = services.bank.questions[question_id]
    return {c.id: value for c in services.bank.criteria_for(question)}


async def drill(services, question_id: str, value: int = 2, member: str = ANN):
    return await services.drills.submit(SPACE, member, question_id, "my answer", scores(services, question_id, value))


# --- filters -------------------------------------------------------------------------------


async def test_filters_pick_matching_questions(services):
    assert (await services.drills.next_drill(SPACE, ANN, type_id="coding")).id == "sample-coding"
    assert (await services.drills.next_drill(SPACE, ANN, topic="losses")).id == "sample-derivation"
    assert (await services.drills.next_drill(SPACE, ANN, difficulty=2)).id == "sample-systems"
    assert (await services.drills.next_drill(SPACE, ANN, type_id=" Systems ", topic="Serving")).id == "sample-systems"


async def test_unknown_type_names_the_valid_choices(services):
    with pytest.raises(InvalidInput, match=re.escape("Unknown question type 'vibes'. Pick one of: derivation, coding")):
        await services.drills.next_drill(SPACE, ANN, type_id="vibes")


async def test_unknown_topic_suggests_close_matches(services):
    with pytest.raises(InvalidInput, match=re.escape("No question has the topic 'serve'. Did you mean: serving?")):
        await services.drills.next_drill(SPACE, ANN, topic="serve")
    with pytest.raises(InvalidInput, match=re.escape("Did you mean: losses?")):
        await services.drills.next_drill(SPACE, ANN, topic="loses")
    with pytest.raises(InvalidInput, match="Leave the topic out"):
        await services.drills.next_drill(SPACE, ANN, topic="quantum-gravity")


async def test_bad_difficulty_and_empty_matches_say_what_to_do(services):
    with pytest.raises(InvalidInput, match=re.escape("1 (easy), 2 (medium) or 3 (hard)")):
        await services.drills.next_drill(SPACE, ANN, difficulty=4)
    with pytest.raises(NotFound, match=re.escape("No question matches type coding, topic serving. Drop a filter")):
        await services.drills.next_drill(SPACE, ANN, type_id="coding", topic="serving")


def test_topic_suggestions_prefix_first_then_contains_at_most_25(bank, services, clock):
    assert services.drills.topic_suggestions(SPACE, "") == ["losses", "numerics", "serving"]
    assert services.drills.topic_suggestions(SPACE, "s") == ["serving", "losses", "numerics"]
    assert services.drills.topic_suggestions(SPACE, "ERV") == ["serving"]
    many = Bank(types=bank.types)
    for i in range(30):
        many.questions[f"q{i}"] = Question(f"q{i}", "p", "coding", (f"topic-{i:02d}",), 1, "p", ("a", "b"))
    suggestions = DrillService(many, services.drills.drills, clock).topic_suggestions(SPACE, "topic")
    assert len(suggestions) == 25 and suggestions[0] == "topic-00"


# --- submit --------------------------------------------------------------------------------


async def test_submit_returns_key_points_follow_ups_ratio_and_next_review(services, clock):
    mixed = {"setup": 2, "target": 2, "steps": 1, "interpretation": 1, "limits": 0}
    receipt = await services.drills.submit(SPACE, ANN, "sample-derivation", "dL/dz = p - y because...", mixed)
    question = services.bank.questions["sample-derivation"]
    assert receipt.key_points == question.key_points
    assert receipt.follow_ups == ("What happens with label smoothing?",)
    assert receipt.ratio == pytest.approx(6 / 10)
    assert receipt.rating == "good"
    assert receipt.due_at == clock.now() + timedelta(days=1)
    assert receipt.reviews == 1
    assert [c.id for c in receipt.criteria] == list(mixed)


async def test_submit_scores_only_the_questions_rubric_subset(services):
    receipt = await drill(services, "sample-systems", 1)
    assert set(receipt.scores) == {"bottleneck", "breakdown", "levers"}
    assert receipt.ratio == pytest.approx(0.5) and receipt.rating == "hard"


async def test_empty_and_oversized_answers_are_refused_with_a_reason(services):
    full = scores(services, "sample-coding")
    with pytest.raises(InvalidInput, match=re.escape("Your answer is empty. Write it out")):
        await services.drills.submit(SPACE, ANN, "sample-coding", " \n ", full)
    with pytest.raises(InvalidInput, match=re.escape("4001 characters; the limit is 4000. Trim it")):
        await services.drills.submit(SPACE, ANN, "sample-coding", "x" * 4001, full)
    await services.drills.submit(SPACE, ANN, "sample-coding", "x" * 4000, full)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"vibes": 2}, "Unknown rubric criterion: vibes"),
        ({"testing": 3}, "0 \\(missing\\), 1 \\(partial\\) or 2 \\(strong\\)"),
        ({"testing": -1}, "0 \\(missing\\)"),
        ({"testing": "2"}, "0 \\(missing\\)"),
        ({"testing": True}, "0 \\(missing\\)"),
        ({"testing": None}, "0 \\(missing\\)"),
    ],
)
async def test_bad_self_scores_are_refused(services, change, message):
    with pytest.raises(InvalidInput, match=message):
        await services.drills.submit(
            SPACE, ANN, "sample-coding", "answer", {**scores(services, "sample-coding"), **change}
        )


async def test_missing_self_scores_are_named(services):
    partial = scores(services, "sample-coding")
    del partial["testing"]
    with pytest.raises(InvalidInput, match=re.escape("Score every criterion. Missing: Says how to test it.")):
        await services.drills.submit(SPACE, ANN, "sample-coding", "answer", partial)


async def test_a_question_gone_from_the_bank_is_not_found(services):
    with pytest.raises(NotFound, match="no longer in the bank"):
        await services.drills.submit(SPACE, ANN, "retired", "answer", {})


# --- spaced repetition ---------------------------------------------------------------------


async def test_a_failed_card_comes_back_before_a_passed_one(services, clock):
    failed = await drill(services, "sample-coding", 0)
    passed = await drill(services, "sample-systems", 2)
    assert failed.rating == "again" and passed.rating == "easy"
    assert failed.due_at < passed.due_at
    # Nothing is due yet: the one question never drilled comes first.
    assert (await services.drills.next_drill(SPACE, ANN)).id == "sample-derivation"
    assert await services.drills.due_count(SPACE, ANN) == 0
    clock.advance(minutes=11)
    assert await services.drills.due_count(SPACE, ANN) == 1
    # The failed card is due now: it beats the never-seen question.
    assert (await services.drills.next_drill(SPACE, ANN)).id == "sample-coding"


async def test_due_cards_earliest_first_then_least_recently_seen(services, clock):
    await drill(services, "sample-systems", 1)  # hard: back within the day
    clock.advance(minutes=1)
    await drill(services, "sample-coding", 0)  # again: back in 10 minutes
    clock.advance(minutes=1)
    await drill(services, "sample-derivation", 2)  # easy: days away
    clock.advance(days=1)
    assert await services.drills.due_count(SPACE, ANN) == 2
    assert (await services.drills.next_drill(SPACE, ANN)).id == "sample-coding"  # due earliest
    await drill(services, "sample-coding", 2)
    assert (await services.drills.next_drill(SPACE, ANN)).id == "sample-systems"
    await drill(services, "sample-systems", 2)
    # Nothing due, nothing new: the question seen longest ago.
    assert await services.drills.due_count(SPACE, ANN) == 0
    assert (await services.drills.next_drill(SPACE, ANN)).id == "sample-derivation"


async def test_repeat_reviews_accumulate_per_member_and_space(services, clock):
    start = clock.now()
    first = await drill(services, "sample-coding", 1)
    clock.set(first.due_at)
    second = await drill(services, "sample-coding", 2)
    assert second.reviews == 2
    assert second.due_at - first.due_at > first.due_at - start  # a strong answer pushes it further out
    assert (await drill(services, "sample-coding", 2, member="bob")).reviews == 1
    elsewhere = await services.drills.submit("discord:2", ANN, "sample-coding", "a", scores(services, "sample-coding"))
    assert elsewhere.reviews == 1


async def test_cards_of_questions_dropped_from_the_bank_are_not_counted_due(services, clock, bank):
    await drill(services, "sample-coding", 0)
    clock.advance(hours=1)
    smaller = Bank(types=bank.types, questions={"sample-systems": bank.questions["sample-systems"]})
    assert await services.drills.due_count(SPACE, ANN) == 1
    assert await DrillService(smaller, services.drills.drills, clock).due_count(SPACE, ANN) == 0


class RacingStore:
    """The real store, except that another submit of the same card lands right after the first read."""

    def __init__(self, real, rival: DrillService) -> None:
        self.real = real
        self.rival = rival
        self.rival_receipts = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    async def card(self, space_id, member_id, question_id):
        found = await self.real.card(space_id, member_id, question_id)
        if not self.rival_receipts:
            criteria = self.rival.bank.criteria_for(self.rival.bank.questions[question_id])
            receipt = await self.rival.submit(space_id, member_id, question_id, "rival", {c.id: 2 for c in criteria})
            self.rival_receipts.append(receipt)
        return found


async def test_a_concurrent_review_is_not_lost(services, clock):
    racing = RacingStore(services.drills.drills, services.drills)
    receipt = await DrillService(services.bank, racing, clock).submit(
        SPACE, ANN, "sample-coding", "mine", scores(services, "sample-coding", 0)
    )
    assert racing.rival_receipts[0].reviews == 1
    assert receipt.reviews == 2  # recomputed from the rival's card, not written over it
    assert (await services.drills.drills.card(SPACE, ANN, "sample-coding")).reviews == 2


# --- classify ------------------------------------------------------------------------------


async def test_classify_right_also_right_and_wrong_with_reasons(services):
    right = await services.drills.classify(SPACE, ANN, "sample-derivation", "derivation")
    assert right.correct and right.reason.startswith("Right: it is a Derivation question.")
    also = await services.drills.classify(SPACE, ANN, "sample-derivation", "Evaluation")
    assert also.correct and "it also reads as Evaluation" in also.reason
    wrong = await services.drills.classify(SPACE, ANN, "sample-derivation", "coding")
    assert not wrong.correct
    assert wrong.reason.startswith("Not quite: it is a Derivation question (it also reads as Evaluation), not Coding.")
    assert "Set up notation" in wrong.reason  # the answer shape of the real type
    assert (wrong.accuracy.attempts, wrong.accuracy.correct) == (3, 2)
    accuracy = await services.drills.classify_accuracy(SPACE, ANN)
    assert accuracy.ratio == pytest.approx(2 / 3)
    assert (await services.drills.classify_accuracy(SPACE, "bob")).attempts == 0


async def test_classify_refuses_unknown_types_and_questions(services):
    with pytest.raises(InvalidInput, match="Pick one of: derivation, coding, debugging"):
        await services.drills.classify(SPACE, ANN, "sample-coding", "vibes")
    with pytest.raises(NotFound):
        await services.drills.classify(SPACE, ANN, "retired", "coding")
    assert (await services.drills.classify_accuracy(SPACE, ANN)).attempts == 0


async def test_classify_question_prefers_questions_not_classified_yet(services, clock: FakeClock):
    await services.drills.classify(SPACE, ANN, "sample-coding", "coding")
    clock.advance(minutes=1)
    await services.drills.classify(SPACE, ANN, "sample-systems", "coding")
    assert (await services.drills.classify_question(SPACE, ANN)).id == "sample-derivation"
    clock.advance(minutes=1)
    await services.drills.classify(SPACE, ANN, "sample-derivation", "derivation")
    assert (await services.drills.classify_question(SPACE, ANN)).id == "sample-coding"  # classified longest ago
    assert (await services.drills.classify_question(SPACE, "bob")).id in services.bank.questions


# --- stored drill answers: checked against space and member, shared once -------------------


NO_ROW = (-1, 0, 2**63, 10**30)  # ids no row can have; SQLite can't even hold the last two


async def test_a_drill_answer_is_stored_before_anything_is_shown(services):
    drill = await services.drills.answer(SPACE, ANN, "sample-coding", "x" * 4000)
    assert (await services.drills.drills.answer(drill.id)).answer == "x" * 4000
    receipt = await services.drills.score(SPACE, ANN, drill.id, scores(services, "sample-coding", 1))
    assert receipt.reviews == 1
    with pytest.raises(InvalidInput, match="empty"):
        await services.drills.answer(SPACE, ANN, "sample-coding", "  ")
    with pytest.raises(NotFound, match="no longer in the bank"):
        await services.drills.answer(SPACE, ANN, "retired", "answer")


async def test_only_its_member_in_its_space_scores_or_shares_a_drill(services):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    drill = await services.drills.answer(SPACE, ANN, "sample-coding", "ann's answer")
    full = scores(services, "sample-coding")
    for space, member, drill_id in [(SPACE, "bob", drill.id), ("discord:2", ANN, drill.id)] + [
        (SPACE, ANN, bad) for bad in NO_ROW
    ]:
        with pytest.raises(NotFound, match=re.escape(DEFAULT.words(DRILL_NOT_YOURS))):
            await services.drills.score(space, member, drill_id, full)
        with pytest.raises(NotFound, match=re.escape(DEFAULT.words(DRILL_NOT_YOURS))):
            await services.drills.share(space, member, "Someone", drill_id)
    assert await services.drills.drills.cards(SPACE, ANN) == []  # nothing was scored
    assert await services.rounds.in_states("open") == []  # nothing was shared


async def test_a_drill_is_shared_once_even_when_pressed_twice_at_once(services):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    drill = await services.drills.answer(SPACE, ANN, "sample-coding", "ann's answer")
    outcomes = await asyncio.gather(
        services.drills.share(SPACE, ANN, "Ann", drill.id),
        services.drills.share(SPACE, ANN, "Ann", drill.id),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, InvalidInput)]
    assert len(refused) == 1 and refused[0].message == ALREADY_SHARED
    assert len(await services.rounds.in_states("open")) == 1
    with pytest.raises(InvalidInput, match="shared once"):
        await services.drills.share(SPACE, ANN, "Ann", drill.id)


async def test_a_share_that_fails_can_be_tried_again(services, publisher):
    await services.grill.setup(SPACE, "channel:1", "09:00", "UTC", "daily")
    drill = await services.drills.answer(SPACE, ANN, "sample-coding", "ann's answer")
    publisher.fail_next_post = RuntimeError("the platform is down")
    with pytest.raises(RuntimeError):
        await services.drills.share(SPACE, ANN, "Ann", drill.id)
    assert (await services.drills.share(SPACE, ANN, "Ann", drill.id)).kind == "drill"
