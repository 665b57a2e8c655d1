"""The Slack front end: a Bolt `AsyncApp` on one `AsyncWebClient`, over Socket Mode (no public URL).

The Web client retries connection errors and 429s (waiting Slack's `Retry-After`); the Socket Mode
URL comes from `apps.connections.open` through that client, so `GRILLBOT_SLACK_API_BASE` (tests
only) redirects both. Every Socket Mode `hello` (the first connection, and each reconnect) starts a
read-back of the open rounds' threads: Slack does not replay events missed while disconnected.
While the socket is open the heartbeat that `python -m bot health` reads is written (bot/heartbeat.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import FrontEndRefused, Runtime
from bot.charts import ChartRenderer
from bot.heartbeat import Heartbeat
from bot.settings import Settings
from bot.slack_ui import admin, drills, events, home, voting
from bot.slack_ui.context import SlackContext
from bot.slack_ui.publisher import SlackPublisher, slack_error
from bot.slack_ui.readback import read_back
from bot.slack_ui.refs import PREFIX

log = logging.getLogger(__name__)

TOKEN_HELP = """\
Slack refused SLACK_BOT_TOKEN ({error}). Copy the Bot User OAuth Token (xoxb-...) again from your
app's OAuth & Permissions page into .env (reinstall the app if it was uninstalled), and start again."""
APP_TOKEN_HELP = """\
Slack refused SLACK_APP_TOKEN ({error}). Create an app-level token with the connections:write scope
(your app > Basic Information > App-Level Tokens), turn on Socket Mode, put it in .env, and start again."""


def make_client(token: str, base_url: str | None = None) -> AsyncWebClient:
    """The Web client: connection errors retried twice, 429s up to 5 times after their Retry-After."""
    options: dict[str, Any] = {"base_url": base_url if base_url.endswith("/") else base_url + "/"} if base_url else {}
    return AsyncWebClient(
        token=token,
        retry_handlers=[AsyncConnectionErrorRetryHandler(max_retry_count=2), AsyncRateLimitErrorRetryHandler(5)],
        **options,
    )


class ReportingSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, telling the adapter each ack it sent (see AckBarrier)."""

    def __init__(self, app: AsyncApp, app_token: str, slack: SlackContext) -> None:
        super().__init__(app, app_token)
        self.slack = slack

    async def handle(self, client: Any, req: Any) -> None:
        await super().handle(client, req)
        self.slack.acks.sent(req.payload or {})


def build_app(slack: SlackContext) -> AsyncApp:
    """The Bolt app with every listener. Socket Mode needs no request signature (Slack's socket is ours)."""
    app = AsyncApp(
        client=slack.client,
        request_verification_enabled=False,
        ssl_check_enabled=False,
        url_verification_enabled=False,
        process_before_response=False,
    )
    for module in (admin, events, voting, drills, home):
        module.register(app, slack)
    return app


class SlackFrontEnd:
    """Slack as one of the process's front ends (bot.frontends runs them)."""

    name = "Slack"

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        assert settings.slack_bot_token and settings.slack_app_token
        if settings.slack_api_base:
            log.warning("using a non-Slack Web API: %s", settings.slack_api_base)
        self.slack = SlackContext(
            runtime, make_client(settings.slack_bot_token, settings.slack_api_base), ChartRenderer()
        )
        self.slack.admin_group = settings.slack_admin_group
        self.app = build_app(self.slack)
        self.app_token = settings.slack_app_token
        runtime.publishers.add(PREFIX, SlackPublisher(self.slack))
        self.handler: ReportingSocketModeHandler | None = None
        self._stopped = asyncio.Event()
        self.heartbeat = Heartbeat.of(runtime.services)
        self._read_backs: set[asyncio.Task[int]] = set()

    async def serve(self) -> None:
        """Check the bot token, warm the rubric cache, connect the socket, and run until closed."""
        try:
            auth = await self.slack.client.auth_test()
        except SlackApiError as error:
            raise FrontEndRefused(TOKEN_HELP.format(error=slack_error(error))) from error
        self.slack.bot_user_id, self.slack.team_id = str(auth.get("user_id", "")), str(auth.get("team_id", ""))
        for rnd in await self.slack.services.grill.due_rounds():
            if rnd.space_id.startswith(PREFIX):
                self.slack.cache.remember(rnd)
        self.handler = ReportingSocketModeHandler(self.app, self.app_token, self.slack)
        self.slack.acks.enabled = True
        self.handler.client.message_listeners.append(self._on_socket_message)
        try:  # the socket client retries a refused app token forever: ask once, and use the URL
            opened = await self.slack.client.apps_connections_open(app_token=self.app_token)
        except SlackApiError as error:
            raise FrontEndRefused(APP_TOKEN_HELP.format(error=slack_error(error))) from error
        self.handler.client.wss_uri = str(opened["url"])
        await self.handler.connect_async()
        await self.heartbeat.forget()
        self.heartbeat.run_with(self._socket_state, "slack-heartbeat")
        log.info("Slack: connected to workspace %s as %s", self.slack.team_id, self.slack.bot_user_id)
        await self._stopped.wait()

    async def _socket_state(self) -> tuple[bool, bool, float]:
        """For the heartbeat: the Socket Mode connection is open (the SDK pings it every 5 s and
        reconnects when pongs stop)."""
        connected = self.handler is not None and await self.handler.client.is_connected()
        return connected, connected, 0.0

    async def _on_socket_message(self, _client: Any, message: dict[str, Any], _raw: str | None) -> None:
        """A `hello` opens every connection: read back what was said while the socket was down."""
        if message.get("type") == "hello":
            task = asyncio.create_task(read_back(self.slack), name="slack-read-back")
            self._read_backs.add(task)
            task.add_done_callback(self._read_backs.discard)

    async def close(self) -> None:
        self._stopped.set()
        await self.heartbeat.stop()
        if self.handler is not None:
            await self.handler.close_async()
        for task in list(self._read_backs):
            task.cancel()
        await asyncio.to_thread(self.slack.charts.close)
