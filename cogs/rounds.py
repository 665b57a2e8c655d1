"""Answers in round threads (and their edits and deletions), the "Rate answer" menu, history backfill.

Every decision is the core's (`bot.core.services.threads`, `bot.core.services.rating`): this cog turns
Discord messages into `ThreadMessage`s, reads history when told, and replies as told.
"""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import DomainError
from bot.core.services.rating import MessageToRate
from bot.core.services.threads import ReadBackPlan, ThreadMessage
from bot.discord_ui import render
from bot.discord_ui.client import GrillBot
from bot.discord_ui.modals import rubric_modal
from bot.discord_ui.refs import PREFIX, member_ref, space_ref

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
ANSWER_SEEN = "✅"
HISTORY_PAGE = 100  # discord.py fetches history 100 messages a request


def thread_message(message: discord.Message) -> ThreadMessage:
    return ThreadMessage(
        ref=str(message.id),
        member_id=member_ref(message.author.id),
        display_name=message.author.display_name,
        body=message.content,
        sent_at=message.created_at,
        edited_at=message.edited_at,
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
        cached = self.bot.round_cache.for_thread(space_ref(message.guild.id), str(message.channel.id))
        if cached is not None:
            await self.take_message(cached.round_id, message, live=True)

    async def take_message(self, round_id: int, message: discord.Message, *, live: bool) -> None:
        """Record a thread message as an answer or discussion; tell the member when it can't count."""
        if not message.content and not message.attachments and not self._warned_no_content:
            self._warned_no_content = True
            log.warning("a thread message arrived without text: is the Message Content intent enabled?")
        taken = await self.bot.services.threads.take(round_id, thread_message(message))
        if taken.refusal is not None:
            await self._reply(message, taken.refusal)
        if taken.new_answer and live:
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
        await self.bot.services.grill.message_edited(space_ref(payload.guild_id), str(payload.message_id), content)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self.bot.services.grill.message_deleted(space_ref(payload.guild_id), str(payload.message_id))

    # --- backfill ----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """After every identify of an unsharded bot (start, or a session that could not resume), read
        what was missed. A sharded bot reads back shard by shard instead (`on_shard_ready`)."""
        if not isinstance(self.bot, discord.AutoShardedClient):
            await self._read_back(await self.bot.services.threads.plans(PREFIX))

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """After every identify of one of this process's shards: read back its servers' rounds. Rounds
        of shards still connecting were marked as being read back at start, so their closes wait."""
        await self._read_back(await self.bot.services.threads.plans(PREFIX, shard=shard_id))

    async def _read_back(self, plans: list[ReadBackPlan]) -> None:
        """The runner starts at once; a round's close waits until its own read-back ended (well or not),
        and one round's failure never stops the others'."""
        threads = self.bot.services.threads
        log.info("reading back %d open round(s) after a new gateway session", len(plans))
        await self.bot.start_jobs()
        for plan in plans:
            try:
                await self.backfill(plan)
            except Exception as error:
                log.warning(
                    "round %s: read-back failed, its close goes on with what was recorded: %r", plan.round.id, error
                )
            finally:
                threads.done(plan.round.id)

    async def backfill(self, plan: ReadBackPlan) -> int:
        """Fetch what `plan` asks (each recorded answer's message, then the thread after the cursor,
        at most `plan.limit` messages), each page through the posting limiter so a reconnect of
        many servers does not burst; the core reconciles. Returns how many messages were read."""
        thread = await self._thread(int(plan.round.thread_ref or 0))
        if thread is None:
            return 0
        current: dict[str, ThreadMessage | None] = {}
        for ref in plan.recheck:
            await self.bot.limiter.acquire()
            try:
                current[ref] = thread_message(await thread.fetch_message(int(ref)))
            except discord.NotFound:
                current[ref] = None
        history = thread.history(
            limit=plan.limit, after=discord.Object(int(plan.after)) if plan.after else None, oldest_first=True
        )
        since: list[discord.Message] = []
        read = 0
        await self.bot.limiter.acquire()
        async for message in history:
            if not message.author.bot:
                since.append(message)
            if (read := read + 1) % HISTORY_PAGE == 0:
                await self.bot.limiter.acquire()
        report = await self.bot.services.threads.reconcile(plan, current, [thread_message(m) for m in since])
        by_ref = {str(m.id): m for m in since}
        for refused, text in report.refusals:
            await self._reply(by_ref[refused.ref], text)
        return read

    async def _thread(self, thread_id: int) -> discord.Thread | None:
        thread = self.bot.get_channel(thread_id)
        if thread is None:
            await self.bot.limiter.acquire()
            thread = await self.bot.fetch_channel(thread_id)
        return thread if isinstance(thread, discord.Thread) else None

    # --- Rate answer -------------------------------------------------------------------

    async def rate_answer(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Open the rubric form as the first response; who and what is checked again on submit."""
        space = space_ref(interaction.guild_id) if interaction.guild_id is not None else ""
        shown = render.answer_id_shown(message.embeds) if message.author == self.bot.user else None
        try:
            target = MessageToRate(
                space,
                str(message.channel.id),
                member_ref(interaction.user.id),
                member_ref(message.author.id),
                str(message.id),
                shown_answer_id=shown or None,
            )
            form = self.bot.services.rating.form_for_message(self.bot.round_cache, target)
        except DomainError as refusal:
            await interaction.response.send_message(refusal.message, ephemeral=True)
            return
        if form.answer_id is not None:
            custom_id = f"gb:rate:{form.round_id}:{form.answer_id}"
        else:
            custom_id = f"gb:ratemsg:{form.round_id}:{form.message_ref}"
        await interaction.response.send_modal(rubric_modal(custom_id, form.criteria))


async def setup(bot: GrillBot) -> None:
    await bot.add_cog(Rounds(bot))
