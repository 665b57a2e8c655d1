"""The shipped bank validates and cannot silently shrink below the coverage the product promises."""

from collections import Counter

import pytest

from bot.core.content import load_bank
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
