"""A small, unmodified-discord.py bot that proves the double: `python -m tests.e2e.minimal_bot`.

It applies the same two redirections the real bot's runner does (REST base and gateway URL from
GRILLBOT_DISCORD_API_BASE / GRILLBOT_DISCORD_GATEWAY), then: syncs commands, answers /ask with a
modal, posts a message with buttons and a select and opens a thread on it (/post), echoes member
messages, edits and deletions, and after a re-IDENTIFY backfills what it missed through REST history.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import discord
import yarl
from discord import app_commands, ui

log = logging.getLogger("minibot")
ZONES = [f"Zone/{n:02d}" for n in range(40)]


def redirect_to_fake() -> None:
    discord.http.Route.BASE = os.environ["GRILLBOT_DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["GRILLBOT_DISCORD_GATEWAY"])


class AnswerModal(ui.Modal):
    def __init__(self) -> None:
        super().__init__(title="Answer", custom_id="mini:answer-form")
        self.answer: ui.TextInput[AnswerModal] = ui.TextInput(
            custom_id="answer", style=discord.TextStyle.long, min_length=1, max_length=4000
        )
        self.score: ui.RadioGroup[AnswerModal] = ui.RadioGroup(
            custom_id="score", options=[discord.RadioGroupOption(label=v, value=v) for v in ("0", "1", "2")]
        )
        self.add_item(ui.Label(text="Your answer", component=self.answer))
        self.add_item(ui.Label(text="Confidence", component=self.score))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"answer={self.answer.value} score={self.score.value}", ephemeral=True)


class RoundView(ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @ui.button(label="Answer", custom_id="mini:answer")
    async def answer(self, interaction: discord.Interaction, button: ui.Button[RoundView]) -> None:
        await interaction.response.send_modal(AnswerModal())

    @ui.select(custom_id="mini:pick", options=[discord.SelectOption(label=v, value=v) for v in ("a", "b")])
    async def pick(self, interaction: discord.Interaction, select: ui.Select[RoundView]) -> None:
        await interaction.response.edit_message(content=f"picked {select.values[0]}")

    @ui.button(label="Close", custom_id="mini:close")
    async def close(self, interaction: discord.Interaction, button: ui.Button[RoundView]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="closed", view=None)


class MiniBot(discord.Client):
    def __init__(self) -> None:
        intents = discord.Intents.default()
        intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.5)
        self.tree = app_commands.CommandTree(self)
        self.last_seen: dict[int, int] = {}  # channel id -> newest member message handled
        self.handled: set[int] = set()

    async def setup_hook(self) -> None:
        self.add_view(RoundView())
        add_commands(self.tree)
        await self.tree.sync()
        dev_guild = os.environ.get("GRILLBOT_DEV_GUILD")
        if dev_guild:
            guild = discord.Object(int(dev_guild))
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)

    async def on_ready(self) -> None:
        log.info("MINIBOT READY in %d guild(s)", len(self.guilds))
        for channel_id, last in list(self.last_seen.items()):
            channel = self.get_channel(channel_id) or await self.fetch_channel(channel_id)
            async for message in channel.history(after=discord.Object(last), oldest_first=True):  # type: ignore[union-attr]
                await self.on_message(message)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.id in self.handled:
            return
        self.handled.add(message.id)
        self.last_seen[message.channel.id] = max(message.id, self.last_seen.get(message.channel.id, 0))
        await message.channel.send(f"echo: {message.content}")

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if not payload.message.author.bot:
            await payload.message.channel.send(f"edited: {payload.message.content}")

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        channel = self.get_channel(payload.channel_id)
        cached = payload.cached_message
        if isinstance(channel, discord.abc.Messageable) and cached is not None and not cached.author.bot:
            await channel.send(f"deleted: {payload.message_id}")


def add_commands(tree: app_commands.CommandTree[MiniBot]) -> None:
    @tree.command(name="ask", description="Open the answer form")
    async def ask(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AnswerModal())

    @tree.command(name="post", description="Post a round with a thread")
    async def post(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            message = await channel.send("Round 1", view=RoundView())
            thread = await message.create_thread(name="Round 1 answers", auto_archive_duration=1440)
        except discord.HTTPException as error:
            await interaction.followup.send(f"failed: {error.status} {error.code}", ephemeral=True)
            return
        await interaction.followup.send(f"posted {message.id} thread {thread.id}", ephemeral=True)

    @tree.command(name="zone", description="Pick a time zone")
    async def zone(interaction: discord.Interaction, timezone: str) -> None:
        await interaction.response.send_message(f"zone {timezone}")

    @zone.autocomplete("timezone")
    async def zone_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in ZONES if current.lower() in z.lower()][:25]

    @tree.command(name="secret", description="Admins only")
    @app_commands.default_permissions(manage_guild=True)
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("secret ok", ephemeral=True)

    @tree.context_menu(name="Quote")
    async def quote(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"quote: {message.content}")


async def main() -> None:
    redirect_to_fake()
    discord.utils.setup_logging(level=getattr(logging, os.environ.get("GRILLBOT_LOG_LEVEL", "INFO")))
    async with MiniBot() as bot:
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
