"""The core's Publisher on Slack: the post (Block Kit, with its round id in `metadata`), reminders,
reveals and results in the post's thread.

Slack's refusals an admin can fix become `SpaceFault`s with the fix (shown on `/grill settings`,
retried by the step runner); anything else (5xx, a 429 past the client's retries, the network)
propagates and is retried with backoff. Slack cannot lock a thread: closing retires the post's
buttons, the results say replies no longer count, and the answer handler refuses late ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.core.errors import SpaceFault
from bot.core.models import Answer, GuildSettings, Round, RoundResults, RoundState
from bot.core.ports import RecordSent
from bot.slack_ui import render
from bot.slack_ui.refs import message_ref, split_message_ref

if TYPE_CHECKING:
    from bot.slack_ui.context import SlackContext

log = logging.getLogger(__name__)

RECOVERY_SCAN = 100  # messages read back when looking for a post interrupted by a crash
RECOVERY_SLACK = timedelta(minutes=1)
NO_CHANNEL = "No grill channel is set. Run /grill setup."
CHANNEL_GONE = (
    "The grill channel was deleted or archived, so the daily grill is paused. "
    "Run /grill setup with a channel to restart it."
)
GONE_ERRORS = {"channel_not_found", "is_archived"}
THREAD_GONE_ERRORS = {"thread_not_found", "message_not_found", "invalid_thread_ts"}
POST_OPTIONS: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False, "link_names": False, "parse": "none"}


def slack_error(error: SlackApiError) -> str:
    return str((error.response.data or {}).get("error", "")) if isinstance(error.response.data, dict) else ""


def fault_for(code: str, channel: str | None, needed: str = "") -> SpaceFault | None:
    """The SpaceFault an admin can fix for a Slack error code, or None for one that is retried."""
    where = f"<#{channel}>" if channel else "the grill channel"
    if code == "not_in_channel":
        return SpaceFault(
            f"I'm not a member of {where}, so I can't post there. Run `/invite @grillbot` in that channel. "
            "I retry on my own; /grill settings retries at once."
        )
    if code in GONE_ERRORS:
        return SpaceFault(CHANNEL_GONE, pauses=True)
    if code == "missing_scope":
        scope = f" ({needed})" if needed else ""
        return SpaceFault(
            f"The Slack app lacks a permission scope{scope}. Update the app from slack/manifest.yml "
            "(README: Slack), reinstall it to the workspace, then run /grill settings."
        )
    return None


@contextmanager
def faults_in(channel: str | None) -> Iterator[None]:
    """Turn Slack's refusals that an admin can fix into SpaceFaults; other errors pass unchanged."""
    try:
        yield
    except SlackApiError as error:
        data = error.response.data if isinstance(error.response.data, dict) else {}
        fault = fault_for(slack_error(error), channel, str(data.get("needed", "")))
        if fault is None:
            raise
        raise fault from error


class SlackPublisher:
    def __init__(self, slack: SlackContext) -> None:
        self.slack = slack

    async def _post(self, channel: str, blocks: list[render.Block], text: str, **extra: Any) -> str:
        """Send one message; its ts."""
        await self.slack.pacer.acquire(channel)
        with faults_in(channel):
            response = await self.slack.client.chat_postMessage(
                channel=channel, blocks=blocks, text=text, **POST_OPTIONS, **extra
            )
        return str(response["ts"])

    async def post_round(self, rnd: Round, settings: GuildSettings) -> tuple[str, str | None]:
        """Post the question with its buttons; the post's thread is the answer thread."""
        channel = settings.channel_ref
        if channel is None:
            raise SpaceFault(NO_CHANNEL)
        qtype = self.slack.services.bank.types.get(rnd.question.type)
        self.slack.cache.remember(rnd)  # its buttons work the moment Slack shows it, before the reply here
        ts = await self._post(
            channel,
            render.round_blocks(rnd, qtype, self._hint_for(rnd.question.id)),
            render.round_text(rnd, qtype),
            metadata=render.post_metadata(rnd.id),
        )
        ref = message_ref(channel, ts)
        self.slack.cache.remember(replace(rnd, channel_ref=channel, message_ref=ref, thread_ref=ref))
        return ref, ref

    def _hint_for(self, question_id: str) -> str | None:
        question = self.slack.services.bank.questions.get(question_id)
        return question_id if question is not None and question.hint else None

    async def find_post(self, rnd: Round) -> tuple[str, str | None] | None:
        """Look for the round's post (the bot's message whose metadata names the round) since it opened."""
        if rnd.channel_ref is None:
            return None
        oldest = (rnd.opened_at - RECOVERY_SLACK).timestamp()
        with faults_in(rnd.channel_ref):
            response = await self.slack.client.conversations_history(
                channel=rnd.channel_ref, oldest=f"{oldest:.6f}", limit=RECOVERY_SCAN, include_all_metadata=True
            )
        for message in response.get("messages") or []:
            if render.posted_round(message) == rnd.id and message.get("user") == self.slack.bot_user_id:
                ref = message_ref(rnd.channel_ref, str(message["ts"]))
                self.slack.cache.remember(replace(rnd, message_ref=ref, thread_ref=ref))
                return ref, ref
        return None

    async def _reply(self, rnd: Round, blocks: list[render.Block], text: str) -> str | None:
        """A message in the round's thread; its ref, or None when the thread (its post) is gone."""
        parent = split_message_ref(rnd.thread_ref or "")
        if parent is None:
            return None
        channel, thread_ts = parent
        try:
            ts = await self._post(channel, blocks, text, thread_ts=thread_ts)
        except SlackApiError as error:
            if slack_error(error) in THREAD_GONE_ERRORS:
                log.warning("round %s: its thread is gone (%s)", rnd.id, slack_error(error))
                return None
            raise
        return message_ref(channel, ts)

    async def post_reminder(self, rnd: Round, pending: Sequence[str]) -> None:
        text = render.reminder_text(rnd, pending)
        await self._reply(rnd, [render.section(text)], text)

    async def reveal_answer(self, rnd: Round, answer: Answer, display_name: str) -> str | None:
        return await self._reply(
            rnd, render.answer_blocks(display_name, answer.body, answer.id), f"{render.name(display_name)}'s answer"
        )

    def caught_up(self, rnd: Round) -> bool:
        return self.slack.services.threads.caught_up(rnd.id)

    async def post_results(self, results: RoundResults, sent: Mapping[str, str], record: RecordSent) -> str | None:
        """Results into the thread (the channel, saying so, when the post is gone), then the post's
        buttons retired. Parts already in `sent` are not posted again."""
        rnd = results.round
        self.slack.cache.forget(rnd.id)
        qtype = self.slack.services.bank.types.get(rnd.question.type)
        messages = render.results_messages(results, qtype, late_replies_note=rnd.kind == "daily")
        text = f"Results · {render.type_name(qtype, rnd.question.type)}"
        in_thread = True
        for index, blocks in enumerate(messages):
            part = f"results:{index}"
            if part in sent:
                continue
            ref = await self._reply(rnd, blocks, text) if in_thread else None
            if ref is None:
                if rnd.channel_ref is None:
                    raise SpaceFault(NO_CHANNEL)
                note = [render.section(render.THREAD_GONE_NOTE)] if in_thread else []
                in_thread = False
                ts = await self._post(rnd.channel_ref, [*note, *blocks], text)
                ref = message_ref(rnd.channel_ref, ts)
            await record(part, ref)
            sent = {**sent, part: ref}
        await self._retire_buttons(rnd, qtype)
        return sent.get("results:0")

    async def _retire_buttons(self, rnd: Round, qtype: Any) -> None:
        """Show the post as closed: no buttons, and a line pointing at the results."""
        parent = split_message_ref(rnd.message_ref or "")
        if parent is None:
            return
        channel, ts = parent
        closed = replace(rnd, state=RoundState.CLOSED)
        try:
            await self.slack.client.chat_update(
                channel=channel, ts=ts, blocks=render.round_blocks(closed, qtype), text=render.round_text(rnd, qtype)
            )
        except SlackApiError as error:
            log.warning("round %s: could not retire the post's buttons (%s)", rnd.id, slack_error(error))
