"""Slack thread messages -> the core's `ThreadMessage`, and the replies the bot makes in a thread."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.services.threads import ThreadMessage
from bot.slack_ui.context import SlackContext
from bot.slack_ui.refs import member_ref, message_ref

log = logging.getLogger(__name__)

ANSWER_SEEN = "white_check_mark"  # ✅
ANSWER_SUBTYPES = (None, "thread_broadcast", "file_share")  # a member's reply; "also send to channel"; with files


def when(ts: str) -> datetime:
    """A Slack ts (seconds since the epoch, six decimals) as an aware UTC instant."""
    return datetime.fromtimestamp(float(ts), UTC)


def body_of(message: dict[str, Any]) -> str:
    """The text of a member's message, with the names of any files it carries (a file is part of an answer)."""
    files = [f"📎 {file.get('name') or file.get('title') or 'file'}" for file in message.get("files") or []]
    return "\n".join([str(message.get("text") or ""), *files]).strip()


def from_member(message: dict[str, Any], bot_user_id: str) -> bool:
    """A message a member wrote (not a bot's, not ours, not a join notice or other system subtype)."""
    return (
        message.get("subtype") in ANSWER_SUBTYPES
        and not message.get("bot_id")
        and bool(message.get("user"))
        and message.get("user") != bot_user_id
    )


async def thread_message(slack: SlackContext, space_id: str, channel: str, message: dict[str, Any]) -> ThreadMessage:
    edited = (message.get("edited") or {}).get("ts")
    user = str(message["user"])
    return ThreadMessage(
        ref=message_ref(channel, str(message["ts"])),
        member_id=member_ref(user),
        display_name=await slack.name_of(space_id, user),
        body=body_of(message),
        sent_at=when(str(message["ts"])),
        edited_at=when(str(edited)) if edited else None,
    )


async def tell(slack: SlackContext, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
    """An ephemeral line to one member (a refused answer); Slack may drop it, so it is best effort."""
    try:
        await slack.client.chat_postEphemeral(
            channel=channel, user=user, text=text, thread_ts=thread_ts, link_names=False, parse="none"
        )
    except SlackApiError as error:
        log.warning("could not tell a member in %s: %s", channel, error.response.get("error"))


async def mark_seen(slack: SlackContext, channel: str, ts: str) -> None:
    with contextlib.suppress(SlackApiError):  # a courtesy: already_reacted, or reactions:write missing
        await slack.client.reactions_add(channel=channel, timestamp=ts, name=ANSWER_SEEN)
