"""After every (re)connection: read the open rounds' threads back with `conversations.replies`.

Socket Mode does not replay events sent while the socket was down, so answers, edits and deletions
made meanwhile are read from the thread itself and handed to the core's reconcile. The runner starts
(once) after the rounds are marked as being read back: their closes wait until their read-back ends.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.services.threads import ReadBackPlan, ThreadMessage
from bot.slack_ui.context import SlackContext
from bot.slack_ui.refs import PREFIX, message_ref, split_message_ref
from bot.slack_ui.threads import from_member, tell, thread_message

log = logging.getLogger(__name__)

PAGE = 200  # conversations.replies page size (Slack's maximum is 1000; 200 is its advice)


async def read_back(slack: SlackContext) -> int:
    """Read back every open Slack round's thread; how many rounds were read. One round's failure
    never stops the others', and each round's close may go on once its own read-back ended."""
    threads = slack.services.threads
    plans = await threads.plans(PREFIX)
    slack.runtime.publishers.mark_ready(PREFIX)
    if not slack.jobs.scheduler.running:
        await slack.jobs.start()
    log.info("Slack: reading back %d open round(s) after a (re)connection", len(plans))
    for plan in plans:
        try:
            await read_round(slack, plan)
        except Exception as error:
            log.warning(
                "round %s: read-back failed, its close goes on with what was recorded: %r", plan.round.id, error
            )
        finally:
            threads.done(plan.round.id)
    return len(plans)


async def read_round(slack: SlackContext, plan: ReadBackPlan) -> None:
    parent = split_message_ref(plan.round.thread_ref or "")
    if parent is None:
        return
    channel, thread_ts = parent
    space = plan.round.space_id
    replies, whole = await thread_replies(slack, channel, thread_ts, plan.limit)
    members = [m for m in replies if m.get("ts") != thread_ts and from_member(m, slack.bot_user_id)]
    by_ref = {message_ref(channel, str(m["ts"])): m for m in members}
    current: dict[str, ThreadMessage | None] = {}
    for ref in plan.recheck:
        if ref in by_ref:
            current[ref] = await thread_message(slack, space, channel, by_ref[ref])
        elif whole:
            current[ref] = None  # the whole thread was read and the answer is not in it: deleted
    after = _ts_of(plan.after)
    since = [await thread_message(slack, space, channel, m) for m in members if after is None or _later(m["ts"], after)]
    report = await slack.services.threads.reconcile(plan, current, since)
    for message, text in report.refusals:
        user = message.member_id.removeprefix(PREFIX)
        await tell(slack, channel, user, text, thread_ts)


async def thread_replies(slack: SlackContext, channel: str, thread_ts: str, limit: int) -> tuple[list[Any], bool]:
    """The thread's messages, oldest first, up to `limit`; True when that is the whole thread."""
    messages: list[Any] = []
    cursor: str | None = None
    while len(messages) < limit:
        try:
            page = await slack.client.conversations_replies(
                channel=channel, ts=thread_ts, limit=PAGE, cursor=cursor, include_all_metadata=False
            )
        except SlackApiError as error:
            if (error.response.data or {}).get("error") == "thread_not_found":
                return [], False  # the post is gone: nothing to read, and no answer to judge deleted
            raise
        messages += page.get("messages") or []
        cursor = ((page.get("response_metadata") or {}).get("next_cursor")) or None
        if not cursor:
            return messages, True
    return messages[:limit], False


def _ts_of(ref: str | None) -> str | None:
    parts = split_message_ref(ref or "")
    return parts[1] if parts else None


def _later(ts: str, than: str) -> bool:
    """Slack ts order: seconds, then the sequence after the point."""
    return _key(ts) > _key(than)


def _key(ts: str) -> tuple[int, int]:
    seconds, _, sequence = ts.partition(".")
    return int(seconds), int(sequence or 0)
