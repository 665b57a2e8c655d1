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


async def test_a_dev_guild_gets_the_commands_instantly_and_only_there(discord: Harness, tmp_path: Path) -> None:
    guild = await discord.add_guild("Dev server")
    general = await discord.add_text_channel(guild, "general")
    admin = await discord.add_member(guild, "dev", admin=True)
    bot = BotProcess(discord.fake, tmp_path, env={"GRILLBOT_DEV_GUILD": str(guild.id)})
    await bot.start()
    try:
        assert discord.state.command_syncs == [guild.id]
        assert {c["name"] for c in discord.state.commands[guild.id]} >= {"grill", "drill", "Rate answer"}
        reply = await (await admin.slash(general, "framework", type="coding")).reply()
        assert "Pins the input/output contract" in reply.text()
    finally:
        await bot.stop()
