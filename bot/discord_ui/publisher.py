"""The core's Publisher on Discord: post a round with its thread, reminders, reveals and results.

Discord's refusals an admin can fix become `SpaceFault`s with the fix (the step runner shows them
on /grill settings and retries); anything else (5xx, 429s past discord.py's retries, network)
propagates and is retried with backoff.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Literal

import discord

from bot.core.errors import SpaceFault
from bot.core.models import Answer, GuildSettings, Round, RoundResults
from bot.core.ports import RecordSent
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


CHANNEL_GONE = (
    "The grill channel was deleted, so the daily grill is paused. Run /grill setup with a channel to restart it."
)
NO_CHANNEL = "No grill channel is set. Run /grill setup."
NOT_TEXT = "The grill channel is not a text channel. Run /grill setup with a text channel."


def missing_access(channel_ref: str | None) -> SpaceFault:
    where = f"<#{channel_ref}>" if channel_ref else "the grill channel"
    return SpaceFault(
        f"I can't post in {where}: my role lacks a permission there. Grant me View Channel, Send Messages, "
        "Embed Links, Create Public Threads and Send Messages in Threads in that channel. "
        "I retry on my own; /grill settings retries at once."
    )


@contextmanager
def faults_in(channel_ref: str | None) -> Iterator[None]:
    """Turn Discord's refusals that an admin can fix into SpaceFaults; other errors pass unchanged."""
    try:
        yield
    except discord.Forbidden as error:
        raise missing_access(channel_ref) from error
    except discord.NotFound as error:
        raise SpaceFault(CHANNEL_GONE, pauses=True) from error


class DiscordPublisher:
    def __init__(self, bot: GrillBot, limiter: RateLimiter) -> None:
        self.bot = bot
        self.limiter = limiter

    async def _channel(self, ref: str | None) -> discord.abc.Messageable:
        if ref is None:
            raise SpaceFault(NO_CHANNEL)
        channel = self.bot.get_channel(int(ref))
        if channel is None:
            await self.limiter.acquire()
            with faults_in(ref):
                channel = await self.bot.fetch_channel(int(ref))
        if not isinstance(channel, discord.abc.Messageable):
            raise SpaceFault(NOT_TEXT)
        return channel

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        """Send the question with its buttons, then open its thread (thread id == message id)."""
        channel = await self._channel(settings.channel_ref)
        qtype = self.bot.services.bank.types.get(rnd.question.type)
        await self.limiter.acquire()
        with faults_in(settings.channel_ref):
            message = await channel.send(
                embed=render.round_embed(rnd, qtype),
                view=round_view(rnd.id, rnd.blind, self._hint_for(rnd.question.id)),
                allowed_mentions=NO_MENTIONS,
            )
        with faults_in(settings.channel_ref):
            try:
                thread = await self._open_thread(message, rnd)
            except discord.HTTPException:
                # A post without its thread can't take answers: take it down, so the retry posts it whole.
                await self._delete_quietly(message)
                raise
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
        with faults_in(rnd.channel_ref):
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

    async def reveal_answer(self, rnd: Round, answer: Answer, display_name: str) -> str | None:
        thread = await self._thread(rnd)
        if thread is None:
            return None
        await self.limiter.acquire()
        message = await thread.send(
            embed=render.answer_embed(display_name, answer.body, answer.id), allowed_mentions=NO_MENTIONS
        )
        return str(message.id)

    def caught_up(self, rnd: Round) -> bool:
        return self.bot.services.threads.caught_up(rnd.id)

    async def post_results(self, results: RoundResults, sent: Mapping[str, str], record: RecordSent) -> str | None:
        """Results into the thread, the post's buttons retired, then the thread locked and archived.

        Parts already in `sent` (an attempt cut short) are not posted again. If the thread was deleted
        the results go to the channel, saying so. The post is edited before the thread is archived:
        an archived thread refuses edits (50083).
        """
        rnd = results.round
        self.bot.round_cache.forget(rnd.id)
        thread = await self._thread(rnd)
        target: discord.abc.Messageable = thread if thread is not None else await self._channel(rnd.channel_ref)
        note = None if thread is not None else render.THREAD_GONE_NOTE
        for index, embed in enumerate(render.results_messages(results)):
            part = f"results:{index}"
            if part in sent:
                continue
            await self.limiter.acquire()
            with faults_in(rnd.channel_ref):
                message = await target.send(content=note, embed=embed, allowed_mentions=NO_MENTIONS)
            note = None
            await record(part, str(message.id))
            sent = {**sent, part: str(message.id)}
        await self._retire_buttons(rnd)
        if thread is not None:
            try:
                await self.limiter.acquire()
                await thread.edit(locked=True, archived=True)
            except discord.HTTPException as error:
                log.warning("round %s: could not lock thread (%s); give me Manage Threads", rnd.id, error)
        return sent.get("results:0")

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
        except (discord.HTTPException, SpaceFault, AttributeError) as error:
            log.warning("round %s: could not retire the post's buttons (%s)", rnd.id, error)


def _carries(message: discord.Message, custom_id: str) -> bool:
    return any(
        getattr(child, "custom_id", None) == custom_id
        for row in message.components
        for child in getattr(row, "children", [])
    )
