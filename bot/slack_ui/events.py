"""Events API: answers in round threads (first reply, edits, deletions), deduplicated by `event_id`.

Slack redelivers an event whose ack it did not see in 3 s (Bolt acks events before running these
listeners; a slow loop can still miss it), so each event is recorded by the core's `first_time`
before anything else and a redelivery does nothing. Bolt drops the bot's own messages.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.slack_ui.context import SlackContext
from bot.slack_ui.refs import message_ref, space_ref
from bot.slack_ui.threads import body_of, from_member, mark_seen, tell, thread_message, when

log = logging.getLogger(__name__)


def register(app: AsyncApp, slack: SlackContext) -> None:
    @app.event("message")
    async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
        await handle_message(slack, body, event)


async def first_delivery(slack: SlackContext, body: dict[str, Any]) -> str | None:
    """The event's space, the first time this event is delivered; None for a redelivery (or no team)."""
    team = body.get("team_id") or (body.get("authorizations") or [{}])[0].get("team_id")
    event_id = body.get("event_id")
    if not team or not event_id:
        return None
    space = space_ref(str(team))
    return space if await slack.services.events.first_time(space, str(event_id)) else None


async def handle_message(slack: SlackContext, body: dict[str, Any], event: dict[str, Any]) -> None:
    space = await first_delivery(slack, body)
    if space is None:
        return
    channel = str(event.get("channel", ""))
    subtype = event.get("subtype")
    grill = slack.services.grill
    if subtype == "message_changed":
        message = event.get("message") or {}
        if from_member({**message, "subtype": None}, slack.bot_user_id) and message.get("ts"):
            edited = (message.get("edited") or {}).get("ts")
            await grill.message_edited(
                space,
                message_ref(channel, str(message["ts"])),
                body_of(message),
                when(str(edited)) if edited else None,
            )
        return
    if subtype == "message_deleted":
        if event.get("deleted_ts"):
            await grill.message_deleted(space, message_ref(channel, str(event["deleted_ts"])))
        return
    thread_ts = event.get("thread_ts")
    if not from_member(event, slack.bot_user_id) or not thread_ts or thread_ts == event.get("ts"):
        return
    round_id = await grill.round_in_thread(slack.cache, space, message_ref(channel, str(thread_ts)))  # open or closed
    if round_id is None:
        return
    taken = await slack.services.threads.take(round_id, await thread_message(slack, space, channel, event))
    if taken.refusal is not None:
        await tell(slack, channel, str(event["user"]), taken.refusal, str(thread_ts))
    elif taken.new_answer:
        await mark_seen(slack, channel, str(event["ts"]))
