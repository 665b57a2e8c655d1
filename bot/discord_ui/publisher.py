"""The core's Publisher on Discord: post a round with its thread, reminders, reveals and results."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot.core.errors import DomainError
from bot.core.models import Answer, GuildSettings, Round, RoundResults
from bot.discord_ui import render
from bot.discord_ui.limiter import RateLimiter
from bot.discord_ui.voting import closed_view, round_view

if TYPE_CHECKING:
    from bot.discord_ui.client import GrillBot

log = logging.getLogger(__name__)

THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day of inactivity
NO_MENTIONS = discord.AllowedMentions.none()
RECOVERY_SCAN = 50  # messages read back when looking for a post interrupted by a crash
RECOVERY_SLACK = timedelta(minutes=1)


class PublishFailed(DomainError):
    code = "publish_failed"


class DiscordPublisher:
    def __init__(self, bot: GrillBot, limiter: RateLimiter) -> None:
        self.bot = bot
        self.limiter = limiter

    async def _channel(self, ref: str | None) -> discord.abc.Messageable:
        if ref is None:
            raise PublishFailed("No channel is set. Run /grill setup.")
        channel = self.bot.get_channel(int(ref))
        if channel is None:
            await self.limiter.acquire()
            try:
                channel = await self.bot.fetch_channel(int(ref))
            except (discord.NotFound, discord.Forbidden) as error:
                raise PublishFailed("I can't see the grill channel any more. Run /grill setup again.") from error
        if not isinstance(channel, discord.abc.Messageable):
            raise PublishFailed("The grill channel is not a text channel. Run /grill setup with a text channel.")
        return channel

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        """Send the question with its buttons, then open its thread (thread id == message id)."""
        channel = await self._channel(settings.channel_ref)
        qtype = self.bot.services.bank.types.get(rnd.question.type)
        await self.limiter.acquire()
        message = await channel.send(
            embed=render.round_embed(rnd, qtype),
            view=round_view(rnd.id, rnd.blind, self._hint_for(rnd.question.id)),
            allowed_mentions=NO_MENTIONS,
        )
        try:
            thread = await self._open_thread(message, rnd)
        except discord.HTTPException as error:
            await self._delete_quietly(message)
            raise PublishFailed(
                "I posted the question but could not open its thread, so I took it down. "
                "Give me Create Public Threads and Send Messages in Threads in that channel, then /grill post."
            ) from error
        self.bot.round_cache.remember(replace(rnd, thread_ref=str(thread.id)))
        return str(message.id), str(thread.id)

    def _hint_for(self, question_id: str) -> str | None:
        question = self.bot.services.bank.questions.get(question_id)
        return question_id if question is not None and question.hint else None

    async def find_post(self, rnd: Round) -> tuple[str, str | None] | None:
        """Look for the round's post (the bot's message carrying its Vote button) since it opened."""
        channel = await self._channel(rnd.channel_ref)
        if not isinstance(channel, discord.abc.Messageable) or self.bot.user is None:
            return None
        marker = f"gb:vote:{rnd.id}"
        since = discord.Object(discord.utils.time_snowflake(rnd.opened_at - RECOVERY_SLACK))
        await self.limiter.acquire()
        async for message in channel.history(limit=RECOVERY_SCAN, after=since):
            if message.author.id == self.bot.user.id and _carries(message, marker):
                thread = await self._open_thread(message, rnd)
                self.bot.round_cache.remember(replace(rnd, thread_ref=str(thread.id)))
                return str(message.id), str(thread.id)
        return None

    async def _open_thread(self, message: discord.Message, rnd: Round) -> discord.Thread:
        await self.limiter.acquire()
        try:
            return await message.create_thread(
                name=render.thread_name(rnd), auto_archive_duration=THREAD_ARCHIVE_MINUTES
            )
        except discord.HTTPException as error:
            if error.code != THREAD_ALREADY_CREATED:
                raise
            # A retry after a crash: the thread exists and shares the message's id.
            existing = self.bot.get_channel(message.id) or await self.bot.fetch_channel(message.id)
            assert isinstance(existing, discord.Thread)
            return existing

    async def _delete_quietly(self, message: discord.Message) -> None:
        try:
            await message.delete()
        except discord.HTTPException:
            log.warning("could not remove message %s after a failed thread", message.id)

    async def _thread(self, rnd: Round) -> discord.Thread | None:
        if rnd.thread_ref is None:
            return None
        thread = self.bot.get_channel(int(rnd.thread_ref))
        if thread is None:
            try:
                thread = await self.bot.fetch_channel(int(rnd.thread_ref))
            except discord.HTTPException:
                log.warning("round %s: thread %s is gone", rnd.id, rnd.thread_ref)
                return None
        return thread if isinstance(thread, discord.Thread) else None

    async def post_reminder(self, rnd: Round, pending: Sequence[str]) -> None:
        thread = await self._thread(rnd)
        if thread is not None:
            await self.limiter.acquire()
            await thread.send(render.reminder_text(rnd, pending), allowed_mentions=NO_MENTIONS)

    async def reveal_answers(self, rnd: Round, answers: Sequence[tuple[Answer, str]]) -> dict[int, str]:
        thread = await self._thread(rnd)
        shown: dict[int, str] = {}
        if thread is None:
            return shown
        for answer, display_name in answers:
            await self.limiter.acquire()
            message = await thread.send(
                embed=render.answer_embed(display_name, answer.body, answer.id), allowed_mentions=NO_MENTIONS
            )
            shown[answer.id] = str(message.id)
        return shown

    async def post_results(self, results: RoundResults) -> str | None:
        """Results into the thread, the post's buttons retired, then the thread locked and archived.

        The post is edited before the thread is archived: an archived thread refuses edits (50083).
        """
        rnd = results.round
        self.bot.round_cache.forget(rnd.id)
        thread = await self._thread(rnd)
        first_ref = None
        if thread is not None:
            for embed in render.results_messages(results):
                await self.limiter.acquire()
                sent = await thread.send(embed=embed, allowed_mentions=NO_MENTIONS)
                first_ref = first_ref or str(sent.id)
        await self._retire_buttons(rnd)
        if thread is not None:
            try:
                await self.limiter.acquire()
                await thread.edit(locked=True, archived=True)
            except discord.HTTPException as error:
                log.warning("round %s: could not lock thread (%s); give me Manage Threads", rnd.id, error)
        return first_ref

    async def _retire_buttons(self, rnd: Round) -> None:
        """Show the post as closed: no countdown, and a disabled button pointing at the results."""
        if rnd.message_ref is None or rnd.channel_ref is None:
            return
        try:
            channel = await self._channel(rnd.channel_ref)
            await self.limiter.acquire()
            message = channel.get_partial_message(int(rnd.message_ref))  # type: ignore[attr-defined]
            qtype = self.bot.services.bank.types.get(rnd.question.type)
            await message.edit(embed=render.round_embed(rnd, qtype), view=closed_view())
        except (discord.HTTPException, PublishFailed, AttributeError) as error:
            log.warning("round %s: could not retire the post's buttons (%s)", rnd.id, error)


def _carries(message: discord.Message, custom_id: str) -> bool:
    return any(
        getattr(child, "custom_id", None) == custom_id
        for row in message.components
        for child in getattr(row, "children", [])
    )
