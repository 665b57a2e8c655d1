"""`python -m bot content check`: the coverage table, then the area table, on a fixture."""

import shutil
from pathlib import Path

import pytest

import bot.__main__ as cli
from tests.conftest import FIXTURE_CONTENT

AREAS = """\
areas:
  - {id: serving, title: Serving, minimum: 1}
  - {id: losses, title: Losses, minimum: 3}
"""


@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, folder)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GRILLBOT_CONTENT", str(folder))
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    return folder


def test_the_area_table_follows_the_coverage_table_and_marks_areas_below(content, capsys):
    (content / "areas.yaml").write_text(AREAS, encoding="utf-8")
    assert cli.main(["content", "check"]) == 0
    out = capsys.readouterr().out
    assert out.index("TOTAL") < out.index("area  ")
    lines = [line.split() for line in out.splitlines()]
    assert ["serving", "1", "1"] in lines
    assert ["losses", "1", "3", "below", "minimum"] in lines
    assert "1 of 2 area(s) below their minimum." in out


def test_without_an_areas_file_only_coverage_is_printed(content, capsys):
    assert cli.main(["content", "check"]) == 0
    assert "minimum" not in capsys.readouterr().out


def test_a_bad_areas_file_fails_the_check_with_its_line(content, capsys):
    (content / "areas.yaml").write_text("areas:\n  - {id: serving, title: Serving, minimum: many}\n", encoding="utf-8")
    assert cli.main(["content", "check"]) == 1
    assert f"{content / 'areas.yaml'}:2: 'minimum' must be a whole number" in capsys.readouterr().err


def test_a_pack_checked_alone_may_name_a_loaded_question_as_its_long_form(content, tmp_path, capsys):
    pack = tmp_path / "rapid.yaml"
    body = (
        "pack: rapid\ntitle: R\nquestions:\n  - id: rapid-one\n    type: systems\n    topics: [serving]\n"
        '    difficulty: 1\n    prompt: "p"\n    key_points: ["a", "b"]\n    long_form: {target}\n'
    )
    pack.write_text(body.format(target="sample-systems"), encoding="utf-8")
    assert cli.main(["content", "check", str(pack)]) == 0
    pack.write_text(body.format(target="nowhere"), encoding="utf-8")
    assert cli.main(["content", "check", str(pack)]) == 1
    err = capsys.readouterr().err
    assert f"{pack}:10: 'long_form' of 'rapid-one' names 'nowhere', which is not a question in the shipped packs" in err
