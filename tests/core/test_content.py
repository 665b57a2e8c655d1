"""Each rule of SPEC section 3 has a failing pack here, with the exact file:line it reports."""

import time
from pathlib import Path

import pytest

from bot.core.content import (
    ContentError,
    load_bank,
    load_frameworks,
    read_pack,
)
from tests.conftest import FIXTURE_CONTENT

TYPES = load_frameworks(FIXTURE_CONTENT / "frameworks.yaml")

GOOD_QUESTION = """\
  - id: q-one
    type: systems
    topics: [serving]
    difficulty: 2
    prompt: "Why is decoding bandwidth bound?"
    key_points:
      - "Weights are read once per token."
      - "Low arithmetic intensity."
"""


def write(tmp_path: Path, body: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, body: str) -> list[str]:
    path = write(tmp_path, body)
    pack, problems = read_pack(path, TYPES, name="pack.yaml")
    assert pack is None, "a pack with problems must be refused"
    return [str(p) for p in problems]


def pack_with(question_yaml: str) -> str:
    return f"pack: p\ntitle: P\nquestions:\n{question_yaml}"


def test_good_pack_loads(tmp_path):
    pack, problems = read_pack(write(tmp_path, pack_with(GOOD_QUESTION)), TYPES)
    assert problems == []
    assert pack is not None and [q.id for q in pack.questions] == ["q-one"]


def test_unknown_key(tmp_path):
    body = pack_with(GOOD_QUESTION + "    hints: nope\n")
    assert problems_of(tmp_path, body) == [
        "pack.yaml:12: unknown key 'hints' in a question (allowed: also_types, bridges, difficulty, follow_ups, "
        "hint, id, key_points, long_form, prompt, rubric, source, topics, type)"
    ]


def test_optional_hint_is_kept_and_must_be_text(tmp_path):
    pack, problems = read_pack(
        write(tmp_path, pack_with(GOOD_QUESTION + '    hint: "Start from bytes per token."\n')), TYPES
    )
    assert problems == [] and pack is not None
    assert pack.questions[0].hint == "Start from bytes per token."
    assert problems_of(tmp_path, pack_with(GOOD_QUESTION + '    hint: ""\n'))[0].startswith("pack.yaml:12: 'hint'")


def test_unknown_pack_key(tmp_path):
    body = "pack: p\ntitle: P\nauthor: me\nquestions:\n" + GOOD_QUESTION
    assert problems_of(tmp_path, body)[0].startswith("pack.yaml:3: unknown key 'author' in the pack")


@pytest.mark.parametrize("key", ["id", "type", "prompt", "key_points", "topics", "difficulty"])
def test_missing_required_key(tmp_path, key):
    lines = [ln for ln in GOOD_QUESTION.splitlines(keepends=True)]
    kept = []
    skipping = False
    for ln in lines:
        stripped = ln.strip().removeprefix("- ")
        if stripped.startswith(f"{key}:"):
            skipping = key == "key_points"
            if ln.lstrip().startswith("- "):
                kept.append("  - source: x\n")
            continue
        if skipping and ln.startswith("      - "):
            continue
        skipping = False
        kept.append(ln)
    assert problems_of(tmp_path, pack_with("".join(kept))) == [
        f"pack.yaml:4: missing required key '{key}' in a question"
    ]


def test_wrong_type_difficulty(tmp_path):
    body = pack_with(GOOD_QUESTION.replace("difficulty: 2", 'difficulty: "hard"'))
    assert problems_of(tmp_path, body) == ["pack.yaml:7: 'difficulty' must be 1 (easy), 2 (medium) or 3 (hard)"]


def test_wrong_type_list_given_as_text(tmp_path):
    body = pack_with(GOOD_QUESTION.replace("topics: [serving]", "topics: serving"))
    assert problems_of(tmp_path, body) == ["pack.yaml:6: 'topics' must be a list"]


def test_unknown_type_id(tmp_path):
    body = pack_with(GOOD_QUESTION.replace("type: systems", "type: trivia"))
    assert problems_of(tmp_path, body) == [
        "pack.yaml:5: unknown question type 'trivia' (one of: derivation, coding, debugging, evaluation, systems, "
        "research_judgment)"
    ]


def test_unknown_criterion_id(tmp_path):
    body = pack_with(GOOD_QUESTION + "    rubric: [bottleneck, vibes]\n")
    assert problems_of(tmp_path, body) == [
        "pack.yaml:12: unknown criterion 'vibes' for type 'systems' (one of: bottleneck, breakdown, levers, "
        "tradeoffs, decision)"
    ]


def test_duplicate_id_within_a_pack(tmp_path):
    body = pack_with(GOOD_QUESTION + GOOD_QUESTION)
    assert problems_of(tmp_path, body) == ["pack.yaml:12: question id 'q-one' is already used (at pack.yaml:4)"]


def test_duplicate_id_across_packs_refuses_only_the_later_pack(tmp_path):
    content = tmp_path / "content"
    (content / "questions").mkdir(parents=True)
    (content / "frameworks.yaml").write_text((FIXTURE_CONTENT / "frameworks.yaml").read_text())
    (content / "questions" / "a.yaml").write_text(pack_with(GOOD_QUESTION).replace("pack: p", "pack: a"))
    (content / "questions" / "b.yaml").write_text(pack_with(GOOD_QUESTION).replace("pack: p", "pack: b"))
    (content / "questions" / "c.yaml").write_text(
        pack_with(GOOD_QUESTION.replace("q-one", "q-two")).replace("pack: p", "pack: c")
    )
    bank = load_bank(content)
    assert sorted(bank.packs) == ["a", "c"]
    assert [str(p) for p in bank.problems] == [
        f"{content}/questions/b.yaml:4: question id 'q-one' is already used (at pack 'a')"
    ]


def test_duplicate_pack_id(tmp_path):
    content = tmp_path / "content"
    (content / "questions").mkdir(parents=True)
    (content / "frameworks.yaml").write_text((FIXTURE_CONTENT / "frameworks.yaml").read_text())
    (content / "questions" / "a.yaml").write_text(pack_with(GOOD_QUESTION))
    (content / "questions" / "b.yaml").write_text(pack_with(GOOD_QUESTION.replace("q-one", "q-two")))
    bank = load_bank(content)
    assert [q for q in bank.questions] == ["q-one"]
    assert str(bank.problems[0]).endswith(
        "b.yaml:1: pack id 'p' is already used by " + str(content / "questions/a.yaml")
    )


def test_prompt_over_1500_characters(tmp_path):
    body = pack_with(GOOD_QUESTION.replace('"Why is decoding bandwidth bound?"', '"' + "x" * 1501 + '"'))
    assert problems_of(tmp_path, body) == ["pack.yaml:8: 'prompt' is 1501 characters; the limit is 1500"]


def test_empty_string(tmp_path):
    body = pack_with(GOOD_QUESTION.replace('"Low arithmetic intensity."', '"  "'))
    assert problems_of(tmp_path, body) == ["pack.yaml:11: 'key_points' is empty"]


def test_key_point_count_bounds(tmp_path):
    body = pack_with(GOOD_QUESTION.replace('      - "Low arithmetic intensity."\n', ""))
    assert problems_of(tmp_path, body) == ["pack.yaml:10: 'key_points' must have 2 to 8 items (has 1)"]


def test_bad_id_characters(tmp_path):
    body = pack_with(GOOD_QUESTION.replace("id: q-one", "id: Q_One"))
    assert problems_of(tmp_path, body) == ["pack.yaml:4: 'id' 'Q_One' must be 1-64 characters of a-z, 0-9 and '-'"]


def test_id_over_64_characters(tmp_path):
    body = pack_with(GOOD_QUESTION.replace("id: q-one", "id: " + "q" * 65))
    assert problems_of(tmp_path, body)[0].startswith("pack.yaml:4: 'id' '" + "q" * 65 + "' must be 1-64")


def test_yaml_syntax_error_has_a_line(tmp_path):
    body = pack_with(GOOD_QUESTION.replace("topics: [serving]", "topics: [serving"))
    (problem,) = problems_of(tmp_path, body)
    assert problem.startswith("pack.yaml:7: not valid YAML")


def test_python_tags_are_refused_by_the_safe_loader(tmp_path):
    body = pack_with(
        GOOD_QUESTION.replace('"Why is decoding bandwidth bound?"', "!!python/object/apply:os.system [ls]")
    )
    (problem,) = problems_of(tmp_path, body)
    assert problem.startswith("pack.yaml:8:")


def test_an_empty_file_is_refused(tmp_path):
    assert problems_of(tmp_path, "") == ["pack.yaml:1: file is empty"]
    assert problems_of(tmp_path, "# only a comment\n") == ["pack.yaml:1: file is empty"]


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    started = time.perf_counter()
    (problem,) = problems_of(tmp_path, "\n".join(lines) + "\n")
    assert problem == "pack.yaml:2: YAML aliases (*name) are not allowed in content files"
    assert time.perf_counter() - started < 2.0


def test_deep_nesting_is_refused(tmp_path):
    (problem,) = problems_of(tmp_path, "x: " + "[" * 200 + "]" * 200 + "\n")
    assert problem == "pack.yaml:1: nesting deeper than 16 levels"


def test_file_over_one_mebibyte_is_refused_unread(tmp_path):
    body = pack_with(GOOD_QUESTION) + "# " + "x" * (1024 * 1024) + "\n"
    (problem,) = problems_of(tmp_path, body)
    assert problem.startswith("pack.yaml:1: file is ") and problem.endswith("the limit is 1048576 (1 MiB)")


def test_more_than_2000_questions_is_refused(tmp_path):
    many = "".join(
        f'  - {{id: q{i}, type: coding, topics: [t], difficulty: 1, prompt: "p", key_points: ["a", "b"]}}\n'
        for i in range(2001)
    )
    assert problems_of(tmp_path, pack_with(many)) == ["pack.yaml:4: pack has 2001 questions; the limit is 2000"]


def test_frameworks_problems_are_fatal(tmp_path):
    broken = (
        (FIXTURE_CONTENT / "frameworks.yaml")
        .read_text()
        .replace("label: Names the binding bottleneck", "label: " + "L" * 46)
    )
    path = write(tmp_path, broken, "frameworks.yaml")
    with pytest.raises(ContentError, match=r"frameworks.yaml:\d+: 'label' is 46 characters; the limit is 45"):
        load_frameworks(path)


def test_frameworks_need_all_six_types(tmp_path):
    text = (FIXTURE_CONTENT / "frameworks.yaml").read_text()
    cut = text[: text.index("  research_judgment:")]
    with pytest.raises(ContentError, match="question type 'research_judgment' is missing"):
        load_frameworks(write(tmp_path, cut, "frameworks.yaml"))


def test_rubric_subset_narrows_the_criteria(bank):
    question = bank.questions["sample-systems"]
    assert [c.id for c in bank.criteria_for(question)] == ["bottleneck", "breakdown", "levers"]
    assert len(bank.criteria_for(bank.questions["sample-coding"])) == 5


def test_select_filters(bank):
    assert [q.id for q in bank.select(type_id="coding")] == ["sample-coding"]
    assert [q.id for q in bank.select(topic="losses", difficulty=1)] == ["sample-derivation"]
    assert bank.select(type_id="coding", difficulty=1) == []


def test_every_problem_of_a_question_is_reported_at_once(tmp_path):
    body = pack_with(
        GOOD_QUESTION.replace("type: systems", "type: system")
        .replace("difficulty: 2", "difficulty: 4")
        .replace('"Why is decoding bandwidth bound?"', '""')
        + "    hints: nope\n"
    )
    problems = problems_of(tmp_path, body)
    assert [p.split(": ", 2)[1][:20] for p in problems] == [  # in file order
        "unknown question typ",
        "'difficulty' must be",
        "'prompt' is empty",
        "unknown key 'hints' ",
    ]
    assert "did you mean 'systems'?" in problems[0]
