"""Socket Mode: `GET /link` websockets, `hello`, envelopes, acks within 3 s, redelivery, `disconnect`.

Slack's protocol (api.slack.com/apis/socket-mode): on connect the server sends `hello`; each event,
interaction or command arrives as an envelope `{envelope_id, type, payload, accepts_response_payload,
retry_attempt, retry_reason}`; the app answers `{"envelope_id": ..., "payload": ...}` within 3 s. An
`events_api` envelope left unacknowledged is sent again with `retry_attempt + 1` (up to 3 retries).
`disconnect` (`refresh_requested`) asks the client to open a new connection. The SDK pings with
websocket PING frames; aiohttp answers them.

Every envelope is kept (`envelopes`) with its ack latency, which the e2e fixtures check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e_slack.slack_state import APP_ID, State

SLACK_ACK_TIMEOUT = 3.0  # Slack gives up on an ack after this and (for events) redelivers
MAX_RETRIES = 3


@dataclass(eq=False)
class Envelope:
    id: str
    type: str  # events_api | interactive | slash_commands
    payload: dict[str, Any]
    accepts_response_payload: bool
    retry_attempt: int = 0
    retry_reason: str = ""
    sent_at: float | None = None  # time.monotonic() when written to a socket; None: nobody was connected
    acked_at: float | None = None
    ack_payload: dict[str, Any] | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    connection: Connection | None = None
    on_ack: Callable[[Envelope], None] | None = None  # run as the ack frame is read
    orphaned: bool = False  # its connection closed before the ack (a killed bot): Slack retries events

    @property
    def latency(self) -> float | None:
        if self.sent_at is None or self.acked_at is None:
            return None
        return self.acked_at - self.sent_at

    def frame(self) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "envelope_id": self.id,
            "type": self.type,
            "payload": self.payload,
            "accepts_response_payload": self.accepts_response_payload,
        }
        if self.type == "events_api":
            frame |= {"retry_attempt": self.retry_attempt, "retry_reason": self.retry_reason}
        return frame


@dataclass(eq=False)
class Connection:
    ticket: str
    ws: web.WebSocketResponse
    opened: float


class SocketMode:
    def __init__(self, state: State) -> None:
        self.state = state
        self.url = ""  # ws://127.0.0.1:port/link, set when the server starts
        self.tickets: set[str] = set()
        self.connections: list[Connection] = []
        self.envelopes: list[Envelope] = []
        self.hellos = 0  # connections greeted, over the double's life
        self.frames_in: list[dict[str, Any]] = []  # everything the app sent, parsed
        self.accepting = True  # False: an outage, new websockets are refused with 503
        self.auto_redeliver = True
        self.ack_delay = 0.0  # seconds Slack takes to act on an ack after reading it (its own path's latency)
        self.spread = False  # True: each kind of envelope goes round the live connections in turn
        self._turns: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def connected(self) -> bool:
        return any(not c.ws.closed for c in self.connections)

    def issue_url(self) -> str:
        """What apps.connections.open hands out: one ticket per call, as Slack's URLs are."""
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        return f"{self.url}?ticket={ticket}"

    # -- the websocket --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.tickets:
            return web.Response(status=401, text="invalid ticket")
        if not self.accepting:
            return web.Response(status=503, text="outage")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(ticket, ws, time.monotonic())
        self.connections.append(connection)
        try:
            await ws.send_str(json.dumps(self._hello()))
            self.hellos += 1
            self.state.changes.notify()
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self._on_frame(json.loads(msg.data))
        finally:
            self.connections.remove(connection)
            for envelope in self.envelopes:
                if envelope.connection is connection and envelope.acked_at is None:
                    envelope.orphaned = True
            self.state.changes.notify()
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self.connections),
            "debug_info": {"host": "fake-slack-1", "build_number": 1, "approximate_connection_time": 3600},
            "connection_info": {"app_id": APP_ID},
        }

    def _on_frame(self, frame: dict[str, Any]) -> None:
        self.frames_in.append(frame)
        envelope_id = frame.get("envelope_id")
        # Acks of every delivery of an envelope share its id; the first one counts.
        for envelope in self.envelopes:
            if envelope.id == envelope_id and envelope.acked_at is None and envelope.sent_at is not None:
                envelope.acked_at = time.monotonic()  # the latency is the app's: counted on arrival
                if self.ack_delay:
                    asyncio.get_running_loop().call_later(self.ack_delay, self._apply_ack, envelope, frame)
                else:
                    self._apply_ack(envelope, frame)
                break
        self.state.changes.notify()

    def _apply_ack(self, envelope: Envelope, frame: dict[str, Any]) -> None:
        """Slack acts on the ack: its payload reaches the actor (response_action on a modal, ...)."""
        envelope.ack_payload = frame.get("payload")
        envelope.acked.set()
        if envelope.on_ack is not None:
            envelope.on_ack(envelope)
        self.state.changes.notify()

    # -- delivery -------------------------------------------------------------------------------

    async def deliver(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        envelope_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Envelope:
        """Send an envelope on a live connection: the newest, or, when `spread`, the connections in turn
        for each kind of payload (Slack hands any payload to any of an app's connections; per kind, so
        a test knows every kind reaches every process). With none, it is lost, as on Slack."""
        accepts = type_ != "events_api" if accepts_response_payload is None else accepts_response_payload
        envelope = Envelope(envelope_id or str(uuid.uuid4()), type_, payload, accepts, retry_attempt, retry_reason)
        self.envelopes.append(envelope)
        live = [c for c in self.connections if not c.ws.closed]
        if live:
            kind = f"{type_}:{payload.get('type', '')}"
            self._turns[kind] = turn = self._turns.get(kind, -1) + 1
            chosen = live[turn % len(live)] if self.spread else live[-1]
            with contextlib.suppress(ConnectionError, RuntimeError):
                await chosen.ws.send_str(json.dumps(envelope.frame()))
                envelope.sent_at, envelope.connection = time.monotonic(), chosen
        if envelope.sent_at is not None and type_ == "events_api" and self.auto_redeliver:
            self._spawn(self._redeliver_unacked(envelope))
        self.state.changes.notify()
        return envelope

    async def redeliver(self, envelope: Envelope, *, reason: str = "timeout") -> Envelope:
        """The same event again (Slack thought the first delivery failed): same payload and event_id,
        a new envelope id, `retry_attempt + 1`."""
        return await self.deliver(
            envelope.type,
            envelope.payload,
            accepts_response_payload=envelope.accepts_response_payload,
            retry_attempt=envelope.retry_attempt + 1,
            retry_reason=reason,
        )

    async def _redeliver_unacked(self, envelope: Envelope) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(envelope.acked.wait(), SLACK_ACK_TIMEOUT)
            return
        if envelope.retry_attempt < MAX_RETRIES:
            await self.redeliver(envelope)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- faults ---------------------------------------------------------------------------------

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connection to reconnect; the client opens a new one, then drops the old."""
        for connection in list(self.connections):
            message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-slack-1"}}
            with contextlib.suppress(ConnectionError, RuntimeError):
                await connection.ws.send_str(json.dumps(message))

    async def drop(self) -> None:
        """Close every socket from the server side and refuse new ones until `restore()`: an outage."""
        self.accepting = False
        for connection in list(self.connections):
            await connection.ws.close(code=1011, message=b"outage")
        self.state.changes.notify()

    def restore(self) -> None:
        self.accepting = True
        self.state.changes.notify()

    async def close_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for connection in list(self.connections):
            await connection.ws.close(code=1001)

    # -- inspection -----------------------------------------------------------------------------

    def slow(self, limit: float) -> list[Envelope]:
        """Delivered envelopes acknowledged later than `limit` seconds, or never."""
        return [
            e
            for e in self.envelopes
            if e.sent_at is not None and not e.orphaned and (e.latency is None or e.latency > limit)
        ]

    def latencies(self) -> list[float]:
        return [e.latency for e in self.envelopes if e.latency is not None]

    def events(self, where: Callable[[dict[str, Any]], bool] = lambda e: True) -> list[Envelope]:
        return [e for e in self.envelopes if e.type == "events_api" and where(e.payload.get("event", {}))]
