"""REST plumbing for the fake: routing under /api/v10, auth, recording, Discord-shaped errors, injected 429s.

Route handlers (routes_*.py) receive a parsed `Call` and return JSON (or None for 204), or raise
`ApiError`. Every request, known or not, is recorded so tests can assert on what the bot sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.e2e.fake_state import State

API_PREFIX = "/api/v10"
UNKNOWN_ROUTE = "UNKNOWN"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Exactly `application/json`, no charset: discord.py parses a body as JSON only on that exact header."""
    return web.Response(body=json.dumps(body).encode(), status=status, headers=headers, content_type="application/json")


class ApiError(Exception):
    """A Discord error response: HTTP status plus Discord's JSON error code."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return json_response(body, self.status)


def invalid_form(*problems: str) -> ApiError:
    """400 50035 "Invalid Form Body", listing what Discord would reject."""
    return ApiError(
        400, 50035, "Invalid Form Body", {"_errors": [{"code": "BASE_TYPE_INVALID", "message": p} for p in problems]}
    )


@dataclass(eq=False)
class UploadedFile:
    field: str  # files[0], files[1], ...
    filename: str
    data: bytes
    content_type: str


@dataclass(eq=False)
class RecordedRequest:
    method: str
    path: str  # without /api/v10, e.g. /channels/123/messages
    route: str  # e.g. "POST /channels/{channel_id}/messages", or "UNKNOWN"
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    at: float  # time.monotonic() on arrival
    status: int = 0
    error_code: int | None = None


@dataclass(eq=False)
class Call:
    """One parsed request, as a route handler sees it."""

    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(404, 0, "404: Not Found") from None


@dataclass(eq=False)
class RateLimitRule:
    route: str | None  # None: the global limit
    times: int
    retry_after: float
    scope: str

    def matches(self, route: str, concrete: str, exempt_from_global: bool) -> bool:
        if self.route is None:
            return not exempt_from_global
        return self.route in (route, concrete)


@dataclass(eq=False)
class FaultRule:
    route: str
    status: int
    times: int

    def matches(self, route: str, concrete: str) -> bool:
        return self.route in (route, concrete)


class Hold:
    """Matching requests wait, unanswered, until `release()`; then they are handled as usual (a request
    whose sender died meanwhile is still carried out, as Discord would)."""

    def __init__(self, route: str, times: int) -> None:
        self.route, self.times = route, times
        self.held: list[RecordedRequest] = []
        self._released = asyncio.Event()

    def matches(self, route: str, concrete: str) -> bool:
        return self.times > 0 and self.route in (route, concrete)

    def release(self) -> None:
        self._released.set()

    async def wait(self, record: RecordedRequest, changes: Any) -> None:
        self.times -= 1
        self.held.append(record)
        changes.notify()
        await self._released.wait()


Handler = Callable[[Call], Awaitable[Any]]


class Rest:
    def __init__(self, state: State) -> None:
        self.state = state
        self.requests: list[RecordedRequest] = []
        self._rules: list[RateLimitRule] = []
        self._faults: list[FaultRule] = []
        self._holds: list[Hold] = []
        self._window: float | None = None  # requests per second of a rolling-window global limit
        self._recent: deque[float] = deque()
        self._routes: list[tuple[str, str, Handler, bool]] = []

    def route(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        """Register a route. `auth=False` marks interaction/webhook routes: no bot token, no global limit."""
        self._routes.append((method, template, handler, auth))

    def install(self, app: web.Application) -> None:
        for method, template, handler, auth in self._routes:
            app.router.add_route(method, API_PREFIX + template, self._wrap(f"{method} {template}", handler, auth))
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unknown)

    # -- what tests call ------------------------------------------------------------------------

    def rate_limit(
        self, route: str | None = None, *, times: int = 1, retry_after: float = 0.5, scope: str | None = None
    ) -> None:
        """Answer the next `times` matching requests with 429.

        `route` is a template ("POST /channels/{channel_id}/messages") or a concrete path
        ("POST /channels/123/messages"); None means the global limit, which spares interaction routes.
        """
        self._rules.append(RateLimitRule(route, times, retry_after, scope or ("global" if route is None else "user")))

    def fail(self, route: str, *, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` matching requests with `status` (a 5xx outage), doing nothing."""
        self._faults.append(FaultRule(route, status, times))

    def hold(self, route: str, *, times: int = 1) -> Hold:
        """Hold the next `times` matching requests unanswered until `release()` (a slow Discord, so a
        test can kill the bot while its request is in flight). `route` as for `rate_limit`."""
        hold = Hold(route, times)
        self._holds.append(hold)
        return hold

    def global_window(self, per_second: float | None) -> None:
        """A strict global limit: a request when `per_second` were answered in the last second gets a
        global 429 (None lifts it). Interaction routes are exempt, as on Discord."""
        self._window = per_second
        self._recent.clear()

    def calls(self, route: str | None = None, *, status: int | None = None) -> list[RecordedRequest]:
        """Recorded requests, optionally only those of one route template and/or one status."""
        return [
            r for r in self.requests if (route is None or r.route == route) and (status is None or r.status == status)
        ]

    @property
    def unknown(self) -> list[RecordedRequest]:
        return self.calls(UNKNOWN_ROUTE)

    # -- request handling -----------------------------------------------------------------------

    def _wrap(self, route: str, handler: Handler, auth: bool) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            record = await self._record(request, route)
            try:
                if auth and request.headers.get("Authorization") != f"Bot {self.state.token}":
                    raise ApiError(401, 0, "401: Unauthorized")
                concrete = f"{request.method} {record.path}"
                hold = next((h for h in self._holds if h.matches(route, concrete)), None)
                if hold is not None:
                    await hold.wait(record, self.state.changes)
                limited = self._take_limit(route, concrete, exempt_from_global=not auth)
                fault = self._take_fault(route, concrete)
                if limited is not None:
                    response = limited
                elif fault is not None:
                    response = json_response({"message": f"{fault}: Server Error", "code": 0}, fault)
                else:
                    call = Call(dict(request.match_info), record.query, record.json, record.files)
                    result = await handler(call)
                    response = web.Response(status=204) if result is None else json_response(result)
                    response.headers.update(_bucket_headers(route))
            except ApiError as error:
                response = error.response()
                record.error_code = error.code
            except (KeyError, TypeError, ValueError) as error:
                # A body the fake cannot read: a 400 like Discord's, not a 500 that discord.py retries 5 times.
                response = invalid_form(f"{type(error).__name__}: {error}").response()
                record.error_code = 50035
            record.status = response.status
            self.state.changes.notify()
            return response

        return handle

    async def _unknown(self, request: web.Request) -> web.Response:
        record = await self._record(request, UNKNOWN_ROUTE)
        record.status, record.error_code = 404, 0
        self.state.changes.notify()
        return json_response({"message": f"404: Not Found ({request.method} {record.path})", "code": 0}, 404)

    async def _record(self, request: web.Request, route: str) -> RecordedRequest:
        body, files = await _read_body(request)
        path = request.path.removeprefix(API_PREFIX)
        record = RecordedRequest(request.method, path, route, dict(request.query), body, files, time.monotonic())
        self.requests.append(record)
        return record

    def _take_fault(self, route: str, concrete: str) -> int | None:
        rule = next((r for r in self._faults if r.matches(route, concrete)), None)
        if rule is None:
            return None
        rule.times -= 1
        if rule.times <= 0:
            self._faults.remove(rule)
        return rule.status

    def _over_window(self, exempt_from_global: bool) -> bool:
        if self._window is None or exempt_from_global:
            return False
        now = time.monotonic()
        while self._recent and now - self._recent[0] >= 1.0:
            self._recent.popleft()
        if len(self._recent) >= self._window:
            return True
        self._recent.append(now)
        return False

    def _take_limit(self, route: str, concrete: str, *, exempt_from_global: bool) -> web.Response | None:
        if self._over_window(exempt_from_global):
            return _too_many_requests(route, RateLimitRule(None, 1, 1.0, "global"))
        rule = next((r for r in self._rules if r.matches(route, concrete, exempt_from_global)), None)
        if rule is None:
            return None
        rule.times -= 1
        if rule.times <= 0:
            self._rules.remove(rule)
        return _too_many_requests(route, rule)


async def _read_body(request: web.Request) -> tuple[Any, list[UploadedFile]]:
    """JSON bodies, or multipart/form-data with `payload_json` plus files[n], the way discord.py sends files."""
    if not request.can_read_body:
        return None, []
    if request.content_type == "multipart/form-data":
        form = await request.post()
        files = [
            UploadedFile(name, value.filename, value.file.read(), value.content_type)
            for name, value in form.items()
            if isinstance(value, web.FileField)
        ]
        payload = form.get("payload_json")
        return (json.loads(str(payload)) if payload is not None else None), files
    text = await request.text()
    return (json.loads(text) if text else None), []


def _bucket(route: str) -> str:
    return hashlib.sha1(route.encode()).hexdigest()[:16]


def _bucket_headers(route: str) -> dict[str, str]:
    """Roomy per-route headers on every success, so discord.py never waits pre-emptively."""
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": _bucket(route),
    }


def _too_many_requests(route: str, rule: RateLimitRule) -> web.Response:
    """A 429 shaped like Discord's (and with `Via`, without which discord.py assumes a Cloudflare ban)."""
    is_global = rule.route is None
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(math.ceil(rule.retry_after)),
        "X-RateLimit-Scope": rule.scope,
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    else:
        headers |= {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
            "X-RateLimit-Bucket": _bucket(route),
        }
    body = {"message": "You are being rate limited.", "retry_after": rule.retry_after, "global": is_global}
    return json_response(body, 429, headers)
