"""Answers in round threads (and their edits and deletions), the "Rate answer" menu, history backfill."""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import DomainError
from bot.core.models import Round
from bot.core.services.rounds import AnswerOutcome
from bot.discord_ui import render
from bot.discord_ui.client import GrillBot, reads_back
from bot.discord_ui.modals import rubric_modal
from bot.discord_ui.refs import member_ref, space_ref

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
ANSWER_SEEN = "✅"
READ_BACK_LIMIT = 1000  # messages read back per round after a reconnect; more is a flood, not answers
HISTORY_PAGE = 100  # discord.py fetches history 100 messages a request
NOT_RATEABLE = (
    "Rate answer works on answers in the thread of an open round: this round has closed "
    "(its results are in the thread), or the message isn't a grill answer."
)


class Rounds(commands.Cog):
    def __init__(self, bot: GrillBot) -> None:
        self.bot = bot
        self.rate_menu = app_commands.ContextMenu(name="Rate answer", callback=self.rate_answer)
        self.rate_menu.guild_only = True
        self._warned_no_content = False

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.rate_menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.rate_menu.name, type=self.rate_menu.type)

    # --- thread messages ---------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None or message.author.bot or not isinstance(message.channel, discord.Thread):
            return
        cached = self.bot.round_cache.for_thread(message.channel.id)
        if cached is not None:
            await self.take_message(cached.round_id, message, live=True)

    async def take_message(self, round_id: int, message: discord.Message, *, live: bool) -> None:
        """Record a thread message as an answer or discussion; tell the member when it can't count."""
        if not message.content and not message.attachments and not self._warned_no_content:
            self._warned_no_content = True
            log.warning("a thread message arrived without text: is the Message Content intent enabled?")
        grill = self.bot.services.grill
        try:
            receipt = await grill.thread_message(
                round_id,
                member_ref(message.author.id),
                message.author.display_name,
                message.content,
                str(message.id),
                sent_at=message.created_at,
            )
        except DomainError as error:
            await self._reply(message, error.message)
            receipt = None
        if receipt is not None and receipt.round is not None:
            await grill.record_seen(receipt.round.id, str(message.id))
        if receipt is not None and receipt.outcome is AnswerOutcome.CREATED and live:
            await self._mark_seen(message)

    async def _reply(self, message: discord.Message, text: str) -> None:
        try:
            await message.reply(text, mention_author=False, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not reply in thread %s: %s", message.channel.id, error)

    async def _mark_seen(self, message: discord.Message) -> None:
        with contextlib.suppress(discord.HTTPException):  # a courtesy; Add Reactions may be denied
            await message.add_reaction(ANSWER_SEEN)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        content = payload.data.get("content")
        if payload.guild_id is None or content is None:
            return
        await self.bot.services.grill.message_edited(str(payload.message_id), content)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self.bot.services.grill.message_deleted(str(payload.message_id))

    # --- backfill ----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """After every identify of an unsharded bot (start, or a session that could not resume), read
        what was missed. A sharded bot reads back shard by shard instead (`on_shard_ready`)."""
        if not isinstance(self.bot, discord.AutoShardedClient):
            await self._read_back(await self._threaded_rounds())

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """After every identify of one of this process's shards: read back its servers' rounds. Rounds
        of shards still connecting were marked as being read back at start, so their closes wait."""
        ownership = self.bot.ownership
        await self._read_back([r for r in await self._threaded_rounds() if ownership.shard_of(r.space_id) == shard_id])

    async def _threaded_rounds(self) -> list[Round]:
        return [r for r in await self.bot.services.grill.due_rounds() if reads_back(r)]

    async def _read_back(self, rounds: list[Round]) -> None:
        """The runner starts at once; a round's close waits until its own read-back ended (well or not),
        and one round's failure never stops the others'."""
        self.bot.reading_back.update(r.id for r in rounds)
        log.info("reading back %d open round(s) after a new gateway session", len(rounds))
        await self.bot.start_jobs()
        for rnd in rounds:
            try:
                await self.backfill(int(rnd.thread_ref or 0), rnd.id, rnd.message_ref)
            except Exception as error:
                log.warning("round %s: read-back failed, its close goes on with what was recorded: %r", rnd.id, error)
            finally:
                self.bot.reading_back.discard(rnd.id)

    async def backfill(self, thread_id: int, round_id: int, starter_ref: str | None) -> int:
        """Read a round's thread after the last message recorded, at most READ_BACK_LIMIT messages,
        each page through the posting limiter so a reconnect of many servers does not burst."""
        thread = self.bot.get_channel(thread_id)
        if thread is None:
            await self.bot.limiter.acquire()
            thread = await self.bot.fetch_channel(thread_id)
        if not isinstance(thread, discord.Thread):
            return 0
        after = await self.bot.services.grill.rounds.seen_message(round_id) or starter_ref
        seen = 0
        grill = self.bot.services.grill
        await self._recheck_answers(thread, round_id)
        history = thread.history(
            limit=READ_BACK_LIMIT, after=discord.Object(int(after)) if after else None, oldest_first=True
        )
        await self.bot.limiter.acquire()
        async for message in history:
            seen += 1
            if seen % HISTORY_PAGE == 0:
                await self.bot.limiter.acquire()
            if message.author.bot:
                continue
            await self.take_message(round_id, message, live=False)
            if message.edited_at is not None:
                await grill.message_edited(str(message.id), message.content, message.edited_at)
        if seen:
            log.info("round %s: read %d message(s) posted while away", round_id, seen)
        return seen

    async def _recheck_answers(self, thread: discord.Thread, round_id: int) -> None:
        """Answers recorded before an outage may have been edited or deleted during it: fetch each."""
        grill = self.bot.services.grill
        for answer in await grill.rounds.answers(round_id):
            if answer.message_ref is None:
                continue
            await self.bot.limiter.acquire()
            try:
                message = await thread.fetch_message(int(answer.message_ref))
            except discord.NotFound:
                await grill.message_deleted(answer.message_ref)
                continue
            await grill.message_edited(answer.message_ref, message.content, message.edited_at)

    # --- Rate answer -------------------------------------------------------------------

    async def rate_answer(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Open the rubric form as the first response; who and what is checked again on submit."""
        if message.author.id == interaction.user.id:
            await interaction.response.send_message(
                "You can't rate your own answer. Rate someone else's: reviewing is practice too.", ephemeral=True
            )
            return
        cached = self.bot.round_cache.for_thread(message.channel.id)
        if cached is None or interaction.guild_id is None or cached.space_id != space_ref(interaction.guild_id):
            await interaction.response.send_message(NOT_RATEABLE, ephemeral=True)
            return
        shown = render.answer_id_shown(message.embeds) if message.author == self.bot.user else None
        custom_id = f"gb:rate:{cached.round_id}:{shown}" if shown else f"gb:ratemsg:{cached.round_id}:{message.id}"
        await interaction.response.send_modal(rubric_modal(custom_id, cached.criteria))


async def setup(bot: GrillBot) -> None:
    await bot.add_cog(Rounds(bot))
