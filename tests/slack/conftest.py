"""Driving the Slack adapter through slack_bolt's own dispatch, with its Web client pointed at a tiny
local double (an aiohttp app on 127.0.0.1 answering the methods these tests need and recording
every call). The full double, with Socket Mode, is tests/e2e_slack's; these tests skip the socket:
`app.async_dispatch(AsyncBoltRequest(body=…, mode="socket_mode"))` is what the socket handler calls.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import PublisherRouter, Runtime, open_services
from bot.charts import ChartRenderer
from bot.jobs import GrillJobs
from bot.slack_ui.app import build_app, make_client
from bot.slack_ui.context import SlackContext
from bot.slack_ui.limiter import ChannelPacer
from bot.slack_ui.platform import SLACK
from bot.slack_ui.publisher import SlackPublisher
from bot.slack_ui.refs import PREFIX
from tests.conftest import FIXTURE_CONTENT

TEAM, OTHER_TEAM = "T0GRILL", "T0OTHER"
SPACE = f"{PREFIX}{TEAM}"
BOT_USER = "U0BOT"
ADMIN, MEMBER, PEER = "U0ADMIN", "U0MEMBER", "U0PEER"
CHANNEL = "C0GRILL"
POST_SECONDS = 1796025600  # 2026-11-30 08:00 UTC, the `clock` fixture's start


@dataclass
class FakeWebApi:
    """Answers `POST /api/<method>` from `replies` (a dict, or a function of the call's arguments) and
    records every call; `POST /response/<n>` records what a response_url got."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    replies: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # what GET /files/<name> serves (a private download)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    base: str = ""

    def called(self, method: str) -> list[dict[str, Any]]:
        return [args for name, args in self.calls if name == method]

    def default(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"user_id": BOT_USER, "team_id": TEAM}
        if method == "chat.postMessage":
            return {"ts": f"{POST_SECONDS}.{next(self._ts):06d}", "channel": args.get("channel")}
        if method in ("views.open", "views.push", "views.update"):
            return {"view": {"id": args.get("view_id") or f"V{next(self._ts)}"}}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.info":
            return {"channel": {"id": args.get("channel"), "is_member": True}}
        if method == "conversations.open":
            return {"channel": {"id": "D0DM"}}
        return {}

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)  # slack_sdk sends many methods' arguments as a query
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.method == "POST":
            args.update(await request.post())
        for key in ("blocks", "view", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        self.calls.append((method, args))
        reply = self.replies.get(method)
        body = reply(args) if callable(reply) else reply if reply is not None else self.default(method, args)
        return web.json_response({"ok": True, **body})

    async def file(self, request: web.Request) -> web.Response:
        data = self.files.get(request.match_info["name"])
        return web.Response(status=404) if data is None else web.Response(body=data)

    async def response_url(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.json_response({"ok": True})


@dataclass
class Bed:
    api: FakeWebApi
    slack: SlackContext
    app: Any
    acked_views: list[dict[str, Any]] = field(default_factory=list)  # views an ack put in place

    async def dispatch(self, body: dict[str, Any]) -> Any:
        """One Socket Mode payload through Bolt; returns Bolt's response (the ack) once every
        listener task it started has finished."""
        response = await self.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        await settle()
        if response.body and response.body.startswith("{") and "view" in json.loads(response.body):
            self.acked_views.append(json.loads(response.body)["view"])
        return response

    def views_shown(self) -> list[dict[str, Any]]:
        """Every view the bot put in a modal: by views.update, and by a submission's ack."""
        return [call["view"] for call in self.api.called("views.update")] + self.acked_views

    def command(self, command: str, text: str, user: str = ADMIN, team: str = TEAM) -> dict[str, Any]:
        return {
            "command": command,
            "text": text,
            "user_id": user,
            "team_id": team,
            "channel_id": CHANNEL,
            "trigger_id": "trigger.1",
            "response_url": f"{self.api.base}/response/1",
        }

    def said(self) -> str:
        """Everything the response_url got, as one text (blocks flattened)."""
        return "\n".join(json.dumps(r) for r in self.api.responses)


async def settle() -> None:
    async with asyncio.timeout(5):
        while pending := [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]:
            await asyncio.wait(pending)


def person(user_id: str, name: str, *, admin: bool = False) -> dict[str, Any]:
    return {"id": user_id, "name": name.lower(), "is_admin": admin, "profile": {"display_name": name}}


@pytest.fixture
async def bed(db_path: str, clock: Any, bank: Any) -> AsyncIterator[Bed]:
    api = FakeWebApi(
        users={
            ADMIN: person(ADMIN, "Ada", admin=True),
            MEMBER: person(MEMBER, "Mo <!channel>"),
            PEER: person(PEER, "Pia"),
        }
    )
    server = web.Application()
    server.router.add_route("*", "/api/{method}", api.api)
    server.router.add_post("/response/{n}", api.response_url)
    server.router.add_get("/files/{name}", api.file)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    api.base = f"http://127.0.0.1:{port}"
    router = PublisherRouter()
    async with open_services(
        db_path, FIXTURE_CONTENT, clock=clock, publisher=router, bank=bank, platforms=(SLACK,)
    ) as services:
        runtime = Runtime(services, router, GrillJobs(services.grill, services.events), services.grill.ownership)
        slack = SlackContext(runtime, make_client("xoxb-test", f"{api.base}/api/"), ChartRenderer())
        slack.bot_user_id, slack.team_id = BOT_USER, TEAM
        slack.pacer = ChannelPacer(interval=0)  # tests/slack/test_limiter.py times the real pacing
        router.add(PREFIX, SlackPublisher(slack))
        router.mark_ready(PREFIX)
        yield Bed(api, slack, build_app(slack))
    await runner.cleanup()
