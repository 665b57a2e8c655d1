"""The shipped bank validates and cannot silently shrink below the coverage the product promises."""

from collections import Counter

import pytest

from bot.core.content import load_areas, load_bank
from bot.core.models import TYPE_IDS
from tests.conftest import SHIPPED_CONTENT

AREA_PACKS = {
    "probability-statistics",
    "optimization",
    "losses-calibration",
    "architectures-attention",
    "training-at-scale",
    "inference-serving",
    "evaluation-data",
    "generative-models",
    "rl-alignment",
    "ml-systems-debugging",
}


@pytest.fixture(scope="module")
def shipped():
    return load_bank(SHIPPED_CONTENT)


def test_every_shipped_pack_validates(shipped):
    assert [str(p) for p in shipped.problems] == []


def test_bank_size_and_type_coverage(shipped):
    assert len(shipped.questions) >= 180
    per_type = Counter(q.type for q in shipped.questions.values())
    assert {t: per_type[t] for t in TYPE_IDS} == {t: max(per_type[t], 25) for t in TYPE_IDS}


def test_every_area_has_a_pack_with_every_type(shipped):
    assert set(shipped.packs) >= AREA_PACKS
    for pack_id in AREA_PACKS:
        pack = shipped.packs[pack_id]
        assert len(pack.questions) >= 15, pack_id
        assert {q.type for q in pack.questions} == set(TYPE_IDS), pack_id


def test_grill_pack_has_fifty_rapid_fire_questions(shipped):
    grill = shipped.packs["grill"].questions
    assert len(grill) >= 50
    assert max(len(q.prompt) for q in grill) <= 400


def test_difficulties_and_follow_ups(shipped):
    questions = list(shipped.questions.values())
    assert {q.difficulty for q in questions} == {1, 2, 3}
    with_follow_ups = sum(bool(q.follow_ups) for q in questions)
    assert with_follow_ups >= 0.7 * len(questions)
    assert all(3 <= len(q.key_points) <= 6 for q in questions)


def test_questions_are_written_for_this_project(shipped):
    assert {q.source for q in shipped.questions.values()} == {"written for grillbot"}


# Issue 12: the whole interview surface, counted by area tag (a question is in an area when its
# topics carry the area's id). Written out here so lowering content/areas.yaml cannot hide a loss.
AREA_MINIMUMS = {
    "classical-ml": 12,
    "ml-system-design": 8,
    "safety": 6,
    "retrieval-rag": 7,
    "quantization": 5,
    "mixture-of-experts": 6,
    "agents": 4,
    "reasoning": 5,
    "interpretability": 4,
    "gpu-kernels": 5,
    "computer-vision": 5,
    "sft-peft": 5,
    "preference-optimization": 4,
    "sequence-parallelism": 3,
    "causal-inference": 4,
    "recsys": 4,
    "generative-frontier": 4,
}


def test_every_interview_area_has_its_minimum(shipped):
    areas, problems = load_areas(SHIPPED_CONTENT / "areas.yaml")
    assert problems == []
    assert {a.id: a.minimum for a in areas} == AREA_MINIMUMS
    counts = {area: sum(area in q.topics for q in shipped.questions.values()) for area in AREA_MINIMUMS}
    assert {a: counts[a] for a in AREA_MINIMUMS} == {a: max(counts[a], m) for a, m in AREA_MINIMUMS.items()}


def test_the_second_edition_adds_at_least_a_hundred_questions(shipped):
    assert len(shipped.questions) >= 240 + 100


def test_every_type_scores_correctness_within_a_five_item_form(shipped):
    for qtype in shipped.types.values():
        ids = [c.id for c in qtype.criteria]
        assert len(ids) <= 5 and "correctness" in ids, qtype.id
        assert all(len(c.anchors) == 3 for c in qtype.criteria), qtype.id


def test_rapid_grill_forms_name_their_long_form(shipped):
    linked = [q for q in shipped.packs["grill"].questions if q.long_form]
    assert len(linked) >= 13
    for q in linked:
        long_form = shipped.questions[q.long_form]
        assert long_form.pack != "grill" and long_form.id != q.id
