"""`python -m bot health` through a real SQLite file: exit 0 when healthy, 1 with the reason on stderr."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.__main__ as cli
from bot.core.health import HEARTBEAT_KEY
from bot.storage.db import SqliteDatabase as Database
from bot.storage.engine import instant
from bot.storage.meta import MetaRepo
from tests.fakes import FakeClock

T = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ROOT = Path(__file__).parent.parent


@pytest.fixture
def db_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data" / "grillbot.db"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("GRILLBOT_DB", str(path))
    monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
    return path


async def write_heartbeat(path: Path, when: datetime | None) -> None:
    async with Database(path) as db:
        if when is not None:
            await MetaRepo(db).put(HEARTBEAT_KEY, instant(when))


async def test_a_fresh_heartbeat_exits_0(db_file, capsys):
    await write_heartbeat(db_file, T - timedelta(seconds=31))
    assert cli.main(["health"], clock=FakeClock(T)) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "healthy: database answers; last gateway heartbeat 31 s ago"
    assert captured.err == ""


async def test_a_stale_heartbeat_exits_1_and_says_how_old(db_file, capsys):
    await write_heartbeat(db_file, T - timedelta(minutes=7, seconds=12))
    assert cli.main(["health"], clock=FakeClock(T)) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == "unhealthy: last gateway heartbeat is 7 min 12 s old (limit 2 min 0 s)"
    assert captured.out == ""


async def test_a_bot_that_never_connected_exits_1(db_file, capsys):
    await write_heartbeat(db_file, None)
    assert cli.main(["health"], clock=FakeClock(T)) == 1
    assert "never connected" in capsys.readouterr().err


def test_no_database_file_exits_1_and_creates_nothing(db_file, capsys):
    assert cli.main(["health"], clock=FakeClock(T)) == 1
    assert capsys.readouterr().err.strip() == f"unhealthy: no database file at {db_file}"
    assert not db_file.parent.exists()


def test_a_corrupt_database_exits_1(db_file, capsys):
    db_file.parent.mkdir()
    db_file.write_bytes(b"\x00garbage" * 1024)
    assert cli.main(["health"], clock=FakeClock(T)) == 1
    assert "is corrupt" in capsys.readouterr().err


def test_the_module_entry_point_exits_1_with_the_reason_and_no_secret(tmp_path):
    """The command the Dockerfile's HEALTHCHECK runs, as a process (no clock needed: no file)."""
    env = {
        **os.environ,
        "GRILLBOT_DB": str(tmp_path / "missing.db"),
        "DISCORD_TOKEN": "secret-token-value",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "health"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert f"unhealthy: no database file at {tmp_path / 'missing.db'}" in done.stderr
    assert "secret-token-value" not in done.stdout + done.stderr
