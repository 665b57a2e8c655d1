"""The Slack double's server: one aiohttp app on 127.0.0.1 (random port) with the Web API under /api/,
Socket Mode at /link, file uploads at /upload/<id> and response URLs at /response/<id>."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from types import TracebackType

from aiohttp import web

from tests.e2e_slack.events import Events
from tests.e2e_slack.methods_chat import ChatMethods
from tests.e2e_slack.methods_files import FileMethods
from tests.e2e_slack.methods_read import ReadMethods
from tests.e2e_slack.methods_views import ViewMethods
from tests.e2e_slack.slack_state import State
from tests.e2e_slack.socket_mode import SocketMode
from tests.e2e_slack.web_api import API_PREFIX, WebApi

BOT_TOKEN = "xoxb-test-0000-grillbot"
APP_TOKEN = "xapp-test-1-A0GRILL-0000"
MAX_UPLOAD = 32 * 1024 * 1024


class FakeSlack:
    """Start it, give the bot `api_base` and the two tokens, and drive it through `tests.e2e_slack.harness`.

    `subscriptions`: the bot events the app's manifest subscribes to (None: every event)."""

    def __init__(
        self,
        *,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
        subscriptions: Iterable[str] | None = None,
    ) -> None:
        self.state = State(bot_token, app_token)
        self.socket = SocketMode(self.state)
        self.events = Events(self.state, self.socket, subscriptions)
        self.api = WebApi(self.state)
        self.chat = ChatMethods(self.state, self.events)
        self.views = ViewMethods(self.state)
        self.files = FileMethods(self.state, self.events)
        self.chat.register(self.api)
        self.views.register(self.api)
        self.files.register(self.api)
        ReadMethods(self.state, self.socket).register(self.api)
        self._runner: web.AppRunner | None = None

    @property
    def bot_token(self) -> str:
        return self.state.bot_token

    @property
    def app_token(self) -> str:
        return self.state.app_token

    @property
    def api_base(self) -> str:
        return self.state.base_url + API_PREFIX

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_get("/link", self.socket.handle)
        self.files.install(app)
        self.api.install(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, sock).start()
        port = sock.getsockname()[1]
        self.state.base_url = f"http://127.0.0.1:{port}"
        self.socket.url = f"ws://127.0.0.1:{port}/link"

    async def stop(self) -> None:
        if self._runner is not None:
            await self.socket.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
