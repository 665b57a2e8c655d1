"""What a new admin sees when Discord refuses the bot at start: a sentence saying what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.harness import Harness
from tests.e2e.process import BotProcess

pytestmark = pytest.mark.e2e


async def test_a_refused_token_says_how_to_replace_it(discord: Harness, tmp_path: Path) -> None:
    bot = BotProcess(discord.fake, tmp_path, env={"DISCORD_TOKEN": "not-the-token"})
    assert await bot.run_to_exit() == 2
    assert "Discord refused DISCORD_TOKEN" in bot.tail()
    assert "not-the-token" not in bot.tail()  # the secret never reaches the logs


async def test_a_missing_message_content_intent_says_where_to_enable_it(tmp_path: Path) -> None:
    async with FakeDiscord(allowed_privileged_intents=0) as fake:
        bot = BotProcess(fake, tmp_path)
        assert await bot.run_to_exit() == 2
        assert "MESSAGE CONTENT INTENT" in bot.tail()
