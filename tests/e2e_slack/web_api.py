"""The Web API plumbing: `GET|POST /api/<method>`, bearer tokens, argument parsing, recording, faults.

Methods (methods_*.py) receive a parsed `Call` and return the response body without `ok`, or raise
`SlackError`. Slack answers most errors with HTTP 200 and `{"ok": false, "error": ...}`; a rate limit
is HTTP 429 with `Retry-After` (whole seconds). Every request, known or not, is recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.e2e_slack.slack_state import State

API_PREFIX = "/api/"


class SlackError(Exception):
    """`{"ok": false, "error": error}` (plus `extra`, e.g. response_metadata.messages), HTTP `status`."""

    def __init__(self, error: str, *, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error, self.status, self.extra = error, status, extra


@dataclass(eq=False)
class Call:
    """One request as a method sees it: query, form and JSON arguments merged into `args`."""

    method: str
    args: dict[str, Any]
    at: float  # time.monotonic() on arrival
    status: int = 0
    error: str | None = None
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None

    def str(self, name: str, default: str | None = None) -> str:
        value = self.args.get(name, default)
        if value is None:
            raise SlackError("invalid_arguments", response_metadata={"messages": [f"[ERROR] missing '{name}'"]})
        return str(value)

    def optional(self, name: str) -> str | None:
        value = self.args.get(name)
        return None if value in (None, "") else str(value)

    def flag(self, name: str) -> bool:
        return str(self.args.get(name, "")).lower() in ("1", "true")

    def json(self, name: str, default: Any = None) -> Any:
        """A structured argument: JSON bodies carry it as is, form bodies as a JSON string."""
        value = self.args.get(name, default)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise SlackError("invalid_json", response_metadata={"messages": [f"'{name}' is not JSON"]}) from None
        return value


@dataclass(eq=False)
class Fault:
    method: str
    status: int
    times: int
    retry_after: int
    error: str


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


class WebApi:
    def __init__(self, state: State) -> None:
        self.state = state
        self.calls_log: list[Call] = []
        self._methods: dict[str, tuple[Handler, str]] = {}
        self._faults: list[Fault] = []

    def method(self, name: str, handler: Handler, *, token: str = "bot") -> None:
        """Register a method; `token="app"` for the ones that take the xapp- token (apps.connections.open)."""
        self._methods[name] = (handler, token)

    def install(self, app: web.Application) -> None:
        app.router.add_route("*", API_PREFIX + "{method}", self._handle)

    # -- what tests call ------------------------------------------------------------------------

    def fail(
        self, method: str, status: int = 429, *, times: int = 1, retry_after: int = 0, error: str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` with `status` (429: `Retry-After: retry_after`)."""
        default = "ratelimited" if status == 429 else "internal_error"
        self._faults.append(Fault(method, status, times, retry_after, error or default))

    def calls(self, method: str | None = None, *, ok: bool | None = None) -> list[Call]:
        return [c for c in self.calls_log if (method is None or c.method == method) and (ok is None or c.ok == ok)]

    @property
    def unknown(self) -> list[Call]:
        return [c for c in self.calls_log if c.error == "unknown_method"]

    # -- request handling -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        call = Call(name, await _arguments(request), time.monotonic())
        self.calls_log.append(call)
        headers: dict[str, str] = {}
        try:
            handler, kind = self._methods.get(name, (None, "bot"))
            if handler is None:
                raise SlackError("unknown_method", status=404)
            self._check_token(request, call, kind)
            fault = self._take_fault(name)
            if fault is not None:
                if fault.status == 429:
                    headers["Retry-After"] = str(fault.retry_after)
                raise SlackError(fault.error, status=fault.status)
            body = {"ok": True, **await handler(call)}
            call.status = 200
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # A body the double cannot read: Slack's invalid_arguments, never a 500 the client would retry.
            body = {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": [repr(error)]}}
            call.status, call.error = 200, "invalid_arguments"
        except SlackError as error:
            body = {"ok": False, "error": error.error, **error.extra}
            call.status, call.error = error.status, error.error
        call.response = body
        self.state.changes.notify()
        return web.json_response(body, status=call.status, headers=headers)

    def _check_token(self, request: web.Request, call: Call, kind: str) -> None:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else call.args.get("token")
        if not token:
            raise SlackError("not_authed")
        expected = self.state.app_token if kind == "app" else self.state.bot_token
        if token != expected:
            known = token in (self.state.app_token, self.state.bot_token)
            raise SlackError("not_allowed_token_type" if known else "invalid_auth")

    def _take_fault(self, method: str) -> Fault | None:
        fault = next((f for f in self._faults if f.method == method), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
        return fault


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Query string, then the body: JSON, urlencoded or multipart form (slack_sdk uses all of them)."""
    args: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return args
    if request.content_type == "application/json":
        text = await request.text()
        args |= json.loads(text) if text else {}
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        args |= {k: v for k, v in form.items() if isinstance(v, str)}
    return args
