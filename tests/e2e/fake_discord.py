"""The Discord double's server: one aiohttp app on 127.0.0.1 (random port) with the gateway and REST API."""

from __future__ import annotations

import socket
from types import TracebackType

from aiohttp import web

from tests.e2e.fake_gateway import PRIVILEGED, Gateway
from tests.e2e.fake_rest import API_PREFIX, Rest
from tests.e2e.fake_state import State
from tests.e2e.routes_app import AppRoutes
from tests.e2e.routes_channels import ChannelRoutes
from tests.e2e.routes_interactions import InteractionRoutes

FAKE_TOKEN = "fake-bot-token.e2e"
MAX_UPLOAD = 32 * 1024 * 1024


LISTEN_BACKLOG = 2048  # pending connections the double accepts at once (the kernel caps it at somaxconn)


class FakeDiscord:
    """Start it, point discord.py at `api_base` and `gateway_url`, and drive it through `tests.e2e.harness`."""

    def __init__(self, *, token: str = FAKE_TOKEN, allowed_privileged_intents: int = PRIVILEGED) -> None:
        self.state = State(token)
        self.gateway = Gateway(self.state, allowed_privileged_intents)
        self.rest = Rest(self.state)
        for routes in (AppRoutes, ChannelRoutes, InteractionRoutes):
            routes(self.state, self.gateway).register(self.rest)
        self._runner: web.AppRunner | None = None

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def api_base(self) -> str:
        return self.state.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attachment)
        self.rest.install(app)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        # aiohttp listens with a backlog of 128: a burst of 500 new connections overflowed it, and the
        # dropped SYNs came back 1 s later (the kernel's retry), a stall Discord's edge does not have
        await web.SockSite(self._runner, sock, backlog=LISTEN_BACKLOG).start()
        port = sock.getsockname()[1]
        self.state.base_url = f"http://127.0.0.1:{port}"
        self.gateway.url = f"ws://127.0.0.1:{port}/gateway"

    async def _attachment(self, request: web.Request) -> web.Response:
        """The CDN: the bytes of a file a member attached (discord.py's Attachment.read fetches this)."""
        upload = self.state.uploads.get(int(request.match_info["attachment_id"]))
        if upload is None:
            return web.Response(status=404)
        return web.Response(body=upload.data, content_type=upload.content_type)

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
