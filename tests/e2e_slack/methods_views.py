"""views.open, views.push, views.update, views.publish: modals and the App Home tab.

A trigger_id works once (`exchanged_trigger_id` after) and for 3 s (`expired_trigger_id`), the
reason the bot must open a modal before any slow work. A modal stack holds at most 3 views.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from tests.e2e_slack.block_kit import check_view
from tests.e2e_slack.slack_state import TRIGGER_LIFETIME, State, View
from tests.e2e_slack.web_api import Call, SlackError, WebApi

MAX_STACK = 3


class ViewMethods:
    def __init__(self, state: State) -> None:
        self.state = state
        self.homes: dict[str, View] = {}  # user id -> published Home tab

    def register(self, api: WebApi) -> None:
        api.method("views.open", self.open)
        api.method("views.push", self.push)
        api.method("views.update", self.update)
        api.method("views.publish", self.publish)

    def _take_trigger(self, call: Call) -> str:
        trigger = self.state.triggers.get(call.str("trigger_id"))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > TRIGGER_LIFETIME:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger.user

    def _new(self, user: str, body: dict[str, Any], *, root: View | None = None) -> View:
        view_id = self.state.new_id("V")
        view = View(view_id, user, body, secrets.token_hex(8), root.root_id if root else view_id)
        self.state.views[view.id] = view
        return view

    async def open(self, call: Call) -> dict[str, Any]:
        body = call.json("view")
        check_view(body)
        user = self._take_trigger(call)
        return {"view": self._new(user, body).payload()}

    async def push(self, call: Call) -> dict[str, Any]:
        body = call.json("view")
        check_view(body)
        user = self._take_trigger(call)
        # The stack the trigger came from: the newest open modal of that user.
        top = next((v for v in reversed(self.state.views.values()) if v.user == user and not v.closed), None)
        if top is not None and len(self.stack(top)) >= MAX_STACK:
            raise SlackError("push_limit_reached")
        view = self._new(user, body, root=top)
        view.previous_id = top.id if top else None
        return {"view": view.payload()}

    async def update(self, call: Call) -> dict[str, Any]:
        body = call.json("view")
        check_view(body, home=isinstance(body, dict) and body.get("type") == "home")
        view_id = call.optional("view_id")
        external = call.optional("external_id")
        view = self.state.views.get(view_id or "") or next(
            (v for v in self.state.views.values() if external and v.body.get("external_id") == external), None
        )
        if view is None:
            raise SlackError("not_found")
        expected = call.optional("hash")
        if expected is not None and expected != view.hash:
            raise SlackError("hash_conflict")
        view.history.append(view.body)
        view.body, view.hash = body, secrets.token_hex(8)
        self.state.changes.notify()
        return {"view": view.payload()}

    async def publish(self, call: Call) -> dict[str, Any]:
        user = call.str("user_id")
        if user not in self.state.users:
            raise SlackError("user_not_found")
        body = call.json("view")
        check_view(body, home=True)
        home = self.homes.get(user)
        expected = call.optional("hash")
        if home is not None and expected is not None and expected != home.hash:
            raise SlackError("hash_conflict")
        if home is None:
            home = self.homes[user] = self._new(user, body)
        else:
            home.history.append(home.body)
            home.body, home.hash = body, secrets.token_hex(8)
        return {"view": home.payload()}

    def stack(self, view: View) -> list[View]:
        return [v for v in self.state.views.values() if v.root_id == view.root_id and not v.closed]
