"""Events API delivery: wrap an event in `event_callback` and send it if the app subscribed to it.

Slack sends only the bot events the app's manifest lists (`settings.event_subscriptions.bot_events`):
`message.channels` for messages in public channels, `message.groups` in private ones, and the event
type itself for the rest (`app_home_opened`, ...). `subscriptions=None` delivers everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.e2e_slack.payloads import event_callback
from tests.e2e_slack.slack_state import State
from tests.e2e_slack.socket_mode import Envelope, SocketMode


class Events:
    def __init__(self, state: State, socket: SocketMode, subscriptions: Iterable[str] | None = None) -> None:
        self.state, self.socket = state, socket
        self.subscriptions = None if subscriptions is None else set(subscriptions)
        self.skipped: list[dict[str, Any]] = []  # events the app did not subscribe to

    def subscribed(self, event: dict[str, Any]) -> bool:
        if self.subscriptions is None:
            return True
        name = event.get("type", "")
        if name == "message":
            channel = self.state.channels.get(event.get("channel", ""))
            name = "message.groups" if channel is not None and channel.is_private else "message.channels"
        return name in self.subscriptions

    async def emit(self, event: dict[str, Any], *, event_id: str | None = None) -> Envelope | None:
        if not self.subscribed(event):
            self.skipped.append(event)
            return None
        return await self.socket.deliver("events_api", event_callback(event, event_id=event_id))
