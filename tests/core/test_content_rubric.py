"""The rubric format additions (issue 12): anchors, retired criterion ids, marked key points,
long forms and areas. Every addition is optional: today's packs and frameworks load unchanged."""

from pathlib import Path

import pytest

from bot.core.content import (
    ContentError,
    area_table,
    load_areas,
    load_bank,
    load_frameworks,
    read_pack,
)
from bot.core.models import KeyPoint, key_points_in_order
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT

SHIPPED_TYPES = load_frameworks(SHIPPED_CONTENT / "frameworks.yaml")
OLD_TYPES = load_frameworks(FIXTURE_CONTENT / "frameworks.yaml")  # written before anchors existed

RUBRIC_IDS = {
    "derivation": ["setup", "correctness", "steps", "interpretation", "bridge"],
    "coding": ["contract", "correctness", "cost", "testing", "bridge"],
    "debugging": ["correctness", "hypotheses", "evidence", "fix", "bridge"],
    "evaluation": ["correctness", "objective", "protocol", "online", "bridge"],
    "systems": ["correctness", "bottleneck", "breakdown", "levers", "bridge"],
    "research_judgment": ["correctness", "metric_fit", "baseline", "threats", "conclusion"],
}


def write(tmp_path: Path, body: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def question(extra: str = "", key_points: str = '["Weights are read once per token.", "Low intensity."]') -> str:
    return (
        "pack: p\ntitle: P\nquestions:\n"
        "  - id: q-one\n"
        "    type: systems\n"
        "    topics: [serving]\n"
        "    difficulty: 2\n"
        '    prompt: "Why is decoding bandwidth bound?"\n'
        f"    key_points: {key_points}\n"
        f"{extra}"
    )


def problems_of(tmp_path: Path, body: str, types=SHIPPED_TYPES) -> list[str]:
    pack, problems = read_pack(write(tmp_path, body), types, name="pack.yaml")
    assert pack is None, "a pack with problems must be refused"
    return [str(p) for p in problems]


# --- the shipped rubric --------------------------------------------------------------------


def test_the_shipped_rubric_has_the_agreed_ids_and_scores_correctness_everywhere():
    assert {t: [c.id for c in q.criteria] for t, q in SHIPPED_TYPES.items()} == RUBRIC_IDS
    for qtype in SHIPPED_TYPES.values():
        assert len(qtype.criteria) <= 5, "a Discord form holds at most 5 items"
        for c in qtype.criteria:
            assert len(c.label) <= 45 and len(c.description) <= 100
            assert len(c.anchors) == 3 and all(0 < len(a) <= 100 for a in c.anchors), (qtype.id, c.id)


def test_retired_ids_of_the_old_rubric_still_name_a_criterion():
    """A pack written against the old rubric (such as a server's stored import) still loads."""
    for type_id, old in OLD_TYPES.items():
        for criterion in old.criteria:
            assert SHIPPED_TYPES[type_id].criterion(criterion.id) is not None, (type_id, criterion.id)
    assert SHIPPED_TYPES["systems"].criterion("tradeoffs").id == "levers"


def test_a_pack_with_an_old_rubric_line_loads_onto_the_new_criteria(tmp_path):
    pack, problems = read_pack(
        write(tmp_path, question("    rubric: [bottleneck, levers, tradeoffs]\n")), SHIPPED_TYPES
    )
    assert problems == []
    assert pack.questions[0].rubric == ("bottleneck", "levers")


def test_todays_frameworks_and_packs_load_unchanged(tmp_path):
    """The fixture frameworks have no anchors and the old ids; the fixture pack is in today's format."""
    bank = load_bank(FIXTURE_CONTENT)
    assert bank.problems == []
    systems = bank.types["systems"]
    assert all(c.anchors == () for c in systems.criteria)
    assert systems.criteria[0].anchor(0) == "missing" and systems.criteria[0].anchor(2) == "strong"
    question = bank.questions["sample-systems"]
    assert question.key_points[0] == KeyPoint("Each token reads every weight once.")
    assert not any(p.bonus for p in question.key_points)


# --- anchors -------------------------------------------------------------------------------


def frameworks_with(tmp_path: Path, anchors: str) -> Path:
    text = (FIXTURE_CONTENT / "frameworks.yaml").read_text(encoding="utf-8")
    marker = "      - id: bottleneck\n"
    line = text[: text.index(marker)].count("\n") + 1
    anchored = text.replace(
        marker + "        label: Names the binding bottleneck\n",
        marker + "        label: Names the binding bottleneck\n" + anchors,
    )
    assert anchored != text
    path = tmp_path / "frameworks.yaml"
    path.write_text(anchored, encoding="utf-8")
    return path, line + 2  # the line of the 'anchors' key


def test_anchors_load_in_score_order(tmp_path):
    path, _ = frameworks_with(tmp_path, '        anchors: {2: "strong one", 0: "none", 1: "some"}\n')
    assert load_frameworks(path)["systems"].criterion("bottleneck").anchors == ("none", "some", "strong one")


@pytest.mark.parametrize(
    "anchors, message",
    [
        ('["a", "b", "c"]', "'anchors' must be a mapping of 0, 1 and 2 to one line each"),
        ('{0: "a", 1: "b"}', "'anchors' needs one line for each of 0, 1 and 2 (missing: 2)"),
        ('{0: "a", 1: "b", 3: "c"}', "'anchors' keys are the scores 0, 1 and 2 (found 3)"),
        ('{0: "a", 1: "", 2: "c"}', "'anchors 1' is empty"),
        ('{0: "a", 1: "b", 2: "' + "x" * 101 + '"}', "'anchors 2' is 101 characters; the limit is 100"),
    ],
)
def test_bad_anchors_are_named_with_their_line(tmp_path, anchors, message):
    path, line = frameworks_with(tmp_path, f"        anchors: {anchors}\n")
    with pytest.raises(ContentError) as caught:
        load_frameworks(path)
    assert [str(p) for p in caught.value.problems] == [f"{path}:{line}: {message}"]


def test_a_current_id_cannot_be_declared_retired(tmp_path):
    path, line = frameworks_with(tmp_path, "        replaces: [levers]\n")
    with pytest.raises(ContentError) as caught:
        load_frameworks(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line}: 'levers' is a current criterion of 'systems'; only retired ids can be replaced"
    ]


# --- key points ----------------------------------------------------------------------------


def test_key_points_may_be_marked_bonus_and_tagged_with_a_criterion(tmp_path):
    points = '["Weights are read once per token.", {text: "HBM bandwidth sets the floor", criterion: bottleneck}, {text: "Speculative decoding", bonus: true}]'
    pack, problems = read_pack(write(tmp_path, question(key_points=points)), SHIPPED_TYPES)
    assert problems == []
    got = pack.questions[0].key_points
    assert got == (
        KeyPoint("Weights are read once per token."),
        KeyPoint("HBM bandwidth sets the floor", False, "bottleneck"),
        KeyPoint("Speculative decoding", True, None),
    )


def test_must_haves_come_before_bonus_points_in_author_order():
    points = (KeyPoint("b1", True), KeyPoint("m1"), KeyPoint("b2", True), KeyPoint("m2"))
    assert [p.text for p in key_points_in_order(points)] == ["m1", "m2", "b1", "b2"]


@pytest.mark.parametrize(
    "point, message",
    [
        ('{text: "x", weight: 2}', "unknown key 'weight' in a key point (allowed: bonus, criterion, text)"),
        ("{bonus: true}", "missing required key 'text' in a key point"),
        ('{text: "x", bonus: "yes"}', "'bonus' must be true or false"),
        (
            '{text: "x", criterion: tradeoff}',
            "unknown criterion 'tradeoff' for type 'systems' (one of: correctness, bottleneck, breakdown, levers, bridge)",
        ),
        (
            '{text: "x", criterion: protocol}',
            "unknown criterion 'protocol' for type 'systems' (one of: correctness, bottleneck, breakdown, levers, bridge)",
        ),
        ("[nested]", "'key_points' must be text"),
    ],
)
def test_bad_key_points_are_named_with_their_line(tmp_path, point, message):
    body = question(key_points=f'\n      - "A must-have."\n      - {point}')
    assert problems_of(tmp_path, body) == [f"pack.yaml:11: {message}"]


def test_a_tagged_criterion_must_be_in_the_questions_narrowed_rubric(tmp_path):
    body = question("    rubric: [correctness, bottleneck]\n", '["a", {text: "b", criterion: levers}]')
    assert problems_of(tmp_path, body) == [
        "pack.yaml:9: criterion 'levers' is not in this question's rubric (correctness, bottleneck)"
    ]


def test_at_least_one_key_point_is_a_must_have(tmp_path):
    body = question(key_points='[{text: "a", bonus: true}, {text: "b", bonus: true}]')
    assert problems_of(tmp_path, body) == [
        "pack.yaml:9: every key point is a bonus: mark at least one as a must-have (bonus: false)"
    ]


# --- long form -----------------------------------------------------------------------------


def bank_dir(tmp_path: Path, packs: dict[str, str]) -> Path:
    (tmp_path / "questions").mkdir()
    (tmp_path / "frameworks.yaml").write_text((SHIPPED_CONTENT / "frameworks.yaml").read_text(), encoding="utf-8")
    for name, body in packs.items():
        (tmp_path / "questions" / name).write_text(body, encoding="utf-8")
    return tmp_path


def simple(pack: str, qid: str, extra: str = "") -> str:
    return (
        f"pack: {pack}\ntitle: T\nquestions:\n  - id: {qid}\n    type: coding\n    topics: [t]\n"
        f'    difficulty: 1\n    prompt: "p"\n    key_points: ["a", "b"]\n{extra}'
    )


def test_long_form_may_name_a_question_of_another_pack(tmp_path):
    bank = load_bank(
        bank_dir(tmp_path, {"a.yaml": simple("a", "quick", "    long_form: full\n"), "b.yaml": simple("b", "full")})
    )
    assert bank.problems == []
    assert bank.questions["quick"].long_form == "full"


def test_long_form_to_nowhere_refuses_the_pack_with_its_line(tmp_path):
    bank = load_bank(bank_dir(tmp_path, {"a.yaml": simple("a", "quick", "    long_form: missing\n")}))
    assert [str(p).split("questions/")[1] for p in bank.problems] == [
        "a.yaml:10: 'long_form' of 'quick' names 'missing', which is not a question in the shipped packs"
    ]
    assert "quick" not in bank.questions


def test_long_form_cannot_name_itself(tmp_path):
    body = simple("a", "quick", "    long_form: quick\n")
    assert problems_of(tmp_path, body) == [
        "pack.yaml:10: 'long_form' names the question itself ('quick'); name its topical question"
    ]


# --- areas ---------------------------------------------------------------------------------


def test_area_table_counts_questions_by_topic_tag_and_marks_those_below(tmp_path):
    packs = {
        "a.yaml": (
            "pack: a\ntitle: A\nquestions:\n"
            + "".join(
                f"  - {{id: q{i}, type: coding, topics: [{tags}], difficulty: 1, prompt: p, key_points: [a, b]}}\n"
                for i, tags in enumerate(["recsys, agents", "recsys", "agents", "other"])
            )
        )
    }
    bank = load_bank(bank_dir(tmp_path, packs))
    areas_file = write(
        tmp_path,
        "areas:\n  - {id: recsys, title: Recsys, minimum: 2}\n  - {id: agents, title: Agents, minimum: 3}\n",
        "areas.yaml",
    )
    areas, problems = load_areas(areas_file)
    assert problems == []
    rows = area_table(bank, areas).splitlines()
    assert rows[0].split() == ["area", "questions", "minimum"]
    assert rows[2].split() == ["recsys", "2", "2"]
    assert rows[3].split() == ["agents", "2", "3", "below", "minimum"]
    assert rows[-1] == "1 of 2 area(s) below their minimum."


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "areas:\n  - {id: x, title: X, minimum: -1}\n",
            "areas.yaml:2: 'minimum' must be a whole number of questions, 0 or more",
        ),
        ("areas:\n  - {id: x, title: X}\n", "areas.yaml:2: missing required key 'minimum' in an area"),
        (
            "areas:\n  - {id: x, title: X, minimum: 1}\n  - {id: x, title: Y, minimum: 1}\n",
            "areas.yaml:3: area 'x' appears twice",
        ),
    ],
)
def test_bad_areas_are_named_with_their_line(tmp_path, body, message):
    _, problems = load_areas(write(tmp_path, body, "areas.yaml"))
    assert [str(p).split("/")[-1] for p in problems] == [message]


def test_the_shipped_areas_file_loads():
    areas, problems = load_areas(SHIPPED_CONTENT / "areas.yaml")
    assert problems == [] and len(areas) == 17
    assert {a.id: a.minimum for a in areas}["classical-ml"] == 12
