"""The terminal practice mode end to end: scripted stdin, real SQLite file, the fixture content."""

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest

import bot.__main__ as cli
from bot.app import open_services
from bot.terminal.practice import SPACE_ID, PracticeOptions, run_practice
from tests.conftest import FIXTURE_CONTENT, SHIPPED_CONTENT

DERIVATION_ALL_TWO = "2\n2\n2\n2\n2\n"


def session(db_path, clock, script: str, **options) -> tuple[int, str, str]:
    stdin, stdout, stderr = io.StringIO(script), io.StringIO(), io.StringIO()
    member = options.pop("member_id", "ann")
    status = run_practice(
        PracticeOptions(member, **options),
        db_path,
        FIXTURE_CONTENT,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        clock=clock,
    )
    return status, stdout.getvalue(), stderr.getvalue()


def stored(db_path, clock, member: str = "ann") -> tuple[int, list]:
    async def read():
        async with open_services(db_path, FIXTURE_CONTENT, clock=clock) as services:
            cards = await services.drills.drills.cards(SPACE_ID, member)
            return await services.drills.due_count(SPACE_ID, member), cards

    return asyncio.run(read())


def test_a_scripted_drill_end_to_end(db_path, clock):
    script = "dL/dz = p - y\nfrom log-sum-exp\n.\n2\n2\nmaybe\n3\n1\n1\n0\nq\n"
    status, out, err = session(db_path, clock, script, type_id="derivation")
    assert (status, err) == (0, "")
    assert "Derivation | topics: losses | difficulty 1 (easy) | sample-derivation" in out
    assert "Derive the gradient of softmax cross-entropy" in out
    assert "Hint, the Derivation answer shape: Set up notation" in out
    assert "Key points:\n  - dL/dz = p - y." in out
    assert "Follow-ups, one level deeper:\n  - What happens with label smoothing?" in out
    assert "'maybe' is not a score. Type 0 (missing), 1 (partial) or 2 (strong)." in out
    assert "'3' is not a score." in out
    assert "Self-score 6/10 (60%), rated good; drilled 1 time(s)." in out
    assert "Next review: in 1 day" in out
    assert "Done: 1 answered this session" in out
    due, cards = stored(db_path, clock)
    assert due == 0 and [c.question_id for c in cards] == ["sample-derivation"]
    assert cards[0].due_at == clock.now() + timedelta(days=1)


def test_a_session_continues_until_q_and_brings_failures_back(db_path, clock):
    zero = "0\n0\n0\n"  # sample-systems has a 3-criterion rubric
    status, out, _ = session(db_path, clock, f"weak\n.\n{zero}\nstill weak\n.\n{zero}quit\n", type_id="systems")
    assert status == 0
    assert out.count("sample-systems") == 2  # the only systems question, seen again
    assert "rated again; drilled 2 time(s)" in out and "Next review: in 10 minutes" in out
    assert "Done: 2 answered this session" in out
    clock.advance(minutes=10)
    assert stored(db_path, clock)[0] == 1


def test_an_empty_answer_is_re_asked_with_a_reason(db_path, clock):
    status, out, _ = session(db_path, clock, f".\n  \n.\nreal answer\n.\n{DERIVATION_ALL_TWO}q\n", type_id="derivation")
    assert status == 0
    assert out.count("Your answer is empty. Write it out, then send it again.") == 2
    assert "rated easy" in out


def test_end_of_input_ends_the_answer_and_a_session_cut_before_scoring_saves_nothing(db_path, clock):
    status, out, _ = session(db_path, clock, "an answer with no terminator", type_id="derivation")
    assert status == 0
    assert "Key points:" in out  # end of input ended the answer
    assert "Stopped before scoring: this answer was not saved." in out
    assert stored(db_path, clock) == (0, [])


def test_end_of_input_before_any_answer_stops_cleanly(db_path, clock):
    status, out, _ = session(db_path, clock, "")
    assert status == 0 and "No answer; stopping." in out and "Done: 0 answered" in out


def test_members_keep_separate_records(db_path, clock):
    session(db_path, clock, f"a\n.\n{DERIVATION_ALL_TWO}q\n", type_id="derivation", member_id="ann")
    assert [c.question_id for c in stored(db_path, clock, "ann")[1]] == ["sample-derivation"]
    assert stored(db_path, clock, "bob")[1] == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"type_id": "vibes"}, "Unknown question type 'vibes'. Pick one of: derivation"),
        ({"topic": "serve"}, "No question has the topic 'serve'. Did you mean: serving?"),
        ({"difficulty": 7}, "Pick 1 (easy), 2 (medium) or 3 (hard)"),
        ({"type_id": "coding", "topic": "serving"}, "No question matches type coding, topic serving"),
    ],
)
def test_bad_filters_exit_2_with_guidance(db_path, clock, options, message):
    status, _, err = session(db_path, clock, "", **options)
    assert status == 2 and message in err


GOOD_PACK = """\
pack: preview
title: A pack being written
questions:
  - id: preview-one
    type: evaluation
    topics: [calibration]
    difficulty: 2
    prompt: "How would you check that a classifier's probabilities are calibrated?"
    key_points:
      - "Reliability diagram and ECE on held-out data."
      - "Check per slice, not only overall."
"""


def test_pack_preview_drills_only_from_that_pack(db_path, clock, tmp_path: Path):
    pack = tmp_path / "preview.yaml"
    pack.write_text(GOOD_PACK, encoding="utf-8")
    status, out, err = session(db_path, clock, "ece\n.\n2\n1\n1\n0\n1\n\nagain\n.\n2\n2\n2\n2\n2\nq\n", pack=pack)
    assert (status, err) == (0, "")
    assert out.count("| preview-one") == 2  # nothing from the shipped or fixture packs
    assert "Reliability diagram and ECE" in out


def test_a_bad_pack_prints_file_line_problems_and_exits_1(db_path, clock, tmp_path: Path):
    pack = tmp_path / "broken.yaml"
    pack.write_text(GOOD_PACK.replace("type: evaluation", "type: vibes").replace("difficulty: 2", "difficulty: 9"))
    status, out, err = session(db_path, clock, "", pack=pack)
    assert status == 1 and out == ""
    assert f"{pack}:5: unknown question type 'vibes'" in err
    assert f"{pack}:7: 'difficulty' must be 1 (easy), 2 (medium) or 3 (hard)" in err
    assert not Path(db_path).exists()  # refused before touching the database


def test_a_missing_pack_file_is_reported(db_path, clock, tmp_path: Path):
    status, _, err = session(db_path, clock, "", pack=tmp_path / "nope.yaml")
    assert status == 1 and "nope.yaml:1: cannot read the file" in err


def test_python_m_bot_practice_wires_the_options(tmp_path, monkeypatch, capsys):
    db_path = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GRILLBOT_DB", str(db_path))
    monkeypatch.setenv("GRILLBOT_CONTENT", str(FIXTURE_CONTENT))
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    monkeypatch.setattr("sys.stdin", io.StringIO("answer\n.\n1\n1\n1\nq\n"))
    status = cli.main(["practice", "--type", "systems", "--difficulty", "2", "--topic", "serving", "--member", "zed"])
    out = capsys.readouterr().out
    assert status == 0
    assert "grillbot practice for 'zed'" in out and "| sample-systems" in out and "rated hard" in out
    assert db_path.exists()


MARKED_PACK = """\
pack: marked
title: Marked key points, a hint and a long form
questions:
  - id: marked-full
    type: systems
    topics: [serving]
    difficulty: 2
    prompt: "Design the KV cache of a serving stack for long contexts."
    key_points: ["Memory grows with context times layers.", "Paging avoids fragmentation."]
  - id: marked-quick
    type: systems
    topics: [serving]
    difficulty: 1
    prompt: "Why is decoding bandwidth bound?"
    hint: "Count the bytes read per generated token."
    long_form: marked-full
    key_points:
      - {text: "Speculative decoding trades compute for latency.", bonus: true}
      - "Each token reads every weight once."
      - {text: "Intensity is about 1 FLOP per byte at batch 1.", criterion: breakdown}
"""


def test_the_terminal_offers_the_hint_shows_anchors_and_orders_key_points(db_path, clock, tmp_path: Path):
    content = tmp_path / "content"
    (content / "questions").mkdir(parents=True)
    (content / "frameworks.yaml").write_text((SHIPPED_CONTENT / "frameworks.yaml").read_text(), encoding="utf-8")
    (content / "questions" / "marked.yaml").write_text(MARKED_PACK, encoding="utf-8")
    stdin, stdout, stderr = io.StringIO("?\nbytes per token\n.\n2\n2\n1\n1\n0\nq\n"), io.StringIO(), io.StringIO()
    options = PracticeOptions("ann", difficulty=1)
    status = run_practice(options, db_path, content, stdin=stdin, stdout=stdout, stderr=stderr, clock=clock)
    out = stdout.getvalue()
    assert (status, stderr.getvalue()) == (0, "")
    assert "a line holding '?' shows a hint" in out
    assert "Hint: Count the bytes read per generated token." in out
    assert (
        "Key points:\n  - Each token reads every weight once.\n  - Intensity is about 1 FLOP per byte at batch 1. [breakdown]"
        in out
    )
    assert out.index("Bonus points (extra credit):\n  - Speculative decoding") > out.index("[breakdown]")
    assert "Long form: marked-full" in out
    assert "      0: A wrong mechanism, or an estimate off by orders of magnitude." in out
    assert "Self-score 6/10" in out  # the '?' line was not part of the answer nor a score


def test_a_question_without_hint_offers_none(db_path, clock):
    status, out, _ = session(db_path, clock, "?\nmy answer\n.\n" + DERIVATION_ALL_TWO + "q\n", type_id="derivation")
    assert status == 0
    assert "shows a hint" not in out and "This question has no hint." in out
