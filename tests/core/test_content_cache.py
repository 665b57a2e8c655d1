"""The validated-bank cache: a hit gives what validation gives; any changed byte is validated again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.core import content_cache
from bot.core.content import ContentError, load_bank
from bot.core.content_cache import cache_path_for, load_bank_cached
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Counts calls of the validator made through the cache."""
    calls: list[Path] = []

    def counting(content_dir, *args, **kwargs):
        calls.append(content_dir)
        return load_bank(content_dir, *args, **kwargs)

    monkeypatch.setattr(content_cache, "load_bank", counting)
    return calls


def test_a_hit_gives_the_validated_bank_without_validating(content, tmp_path, validations):
    cache = tmp_path / "db.content-cache"
    first = load_bank_cached(content, cache)
    assert cache.exists() and len(validations) == 1
    second = load_bank_cached(content, cache)
    assert len(validations) == 1
    assert second == first == load_bank(content)
    assert second is not first


def test_a_changed_pack_is_validated_again_and_its_problem_reported(content, tmp_path, validations):
    cache = tmp_path / "db.content-cache"
    assert load_bank_cached(content, cache).problems == []
    pack = content / "questions" / "sample.yaml"
    pack.write_text(pack.read_text().replace("difficulty: 2", "difficulty: 9", 1))
    bank = load_bank_cached(content, cache)
    assert len(validations) == 2
    assert [p.file for p in bank.problems] == [str(pack)] and "difficulty" in bank.problems[0].message
    assert bank == load_bank(content)
    # and the refusal is what is cached: the next start reports it too, without validating
    again = load_bank_cached(content, cache)
    assert len(validations) == 2 and again.problems == bank.problems


def test_a_same_size_edit_is_a_miss(content, tmp_path, validations):
    cache = tmp_path / "db.content-cache"
    load_bank_cached(content, cache)
    pack = content / "questions" / "sample.yaml"
    text = pack.read_text()
    pack.write_text(text.replace("Sample pack for tests", "Sample pack for test!"))
    assert len(text) == len(pack.read_text())
    assert load_bank_cached(content, cache).packs["sample"].title == "Sample pack for test!"
    assert len(validations) == 2


def test_an_added_or_removed_pack_is_a_miss(content, tmp_path, validations):
    cache = tmp_path / "db.content-cache"
    load_bank_cached(content, cache)
    extra = content / "questions" / "extra.yaml"
    extra.write_text("pack: sample\ntitle: clash\nquestions: []\n")
    assert [p.file for p in load_bank_cached(content, cache).problems] == [str(extra)]
    extra.unlink()
    assert load_bank_cached(content, cache).problems == []
    assert len(validations) == 3


def test_changed_frameworks_are_validated_again(content, tmp_path, validations):
    cache = tmp_path / "db.content-cache"
    load_bank_cached(content, cache)
    frameworks = content / "frameworks.yaml"
    frameworks.write_text(frameworks.read_text() + "\nextra: key\n")
    with pytest.raises(ContentError):
        load_bank_cached(content, cache)


def test_a_new_validator_is_a_miss(content, tmp_path, validations, monkeypatch):
    cache = tmp_path / "db.content-cache"
    load_bank_cached(content, cache)
    monkeypatch.setattr(content_cache, "validator_version", lambda: "a stricter validator")
    load_bank_cached(content, cache)
    assert len(validations) == 2


def test_a_torn_cache_file_is_a_miss(content, tmp_path, validations):
    cache = tmp_path / "db.content-cache"
    load_bank_cached(content, cache)
    cache.write_bytes(cache.read_bytes()[:100])
    assert load_bank_cached(content, cache) == load_bank(content)
    assert len(validations) == 2
    assert load_bank_cached(content, cache) == load_bank(content)
    assert len(validations) == 2  # rewritten


def test_the_cache_sits_next_to_the_database_and_not_for_memory():
    assert cache_path_for("/data/grill.db") == Path("/data/grill.db.content-cache")
    assert cache_path_for(":memory:") is None
