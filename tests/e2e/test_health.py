"""The heartbeat the running bot records from its gateway session, read the way `python -m bot health` reads it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

import bot.__main__ as cli
from bot.storage.health import read_heartbeat
from tests.e2e.harness import Harness
from tests.e2e.process import BotProcess
from tests.fakes import FakeClock

pytestmark = pytest.mark.e2e


async def test_a_connected_bot_records_a_heartbeat_that_the_health_command_accepts(
    discord: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bot = BotProcess(discord.fake, tmp_path)
    await bot.start()
    try:
        for _ in range(100):  # the READY beat lands right after READY
            beat = read_heartbeat(bot.db_path)
            if beat is not None:
                break
            await asyncio.sleep(0.05)
        assert beat is not None, bot.tail()
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("GRILLBOT_DB", str(bot.db_path))
        monkeypatch.setattr(cli, "setup_logging", lambda *args: None)
        # Judged with an injected clock, while the bot holds its connections.
        assert cli.main(["health"], clock=FakeClock(beat + timedelta(seconds=20))) == 0
        assert cli.main(["health"], clock=FakeClock(beat + timedelta(minutes=3))) == 1
        assert "is 3 min 0 s old" in capsys.readouterr().err
    finally:
        await bot.stop()
    assert read_heartbeat(bot.db_path) == beat  # one write within the first seconds, not one per event
