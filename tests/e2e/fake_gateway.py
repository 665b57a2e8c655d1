"""The fake gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay, INVALID_SESSION.

Frames go out as plain JSON text, which discord.py accepts even though it asked for zlib-stream.
An IDENTIFY with `shard: [id, count]` opens a shard's session: it gets only the events of the guilds
on that shard (`(guild_id >> 22) % count`, events without a guild on shard 0), READY and GUILD_CREATE
included, as on Discord. Without `shard`, a session gets everything.
Each session keeps every frame it was sent, so a RESUME replays what the bot missed. A session the
fake drops as non-resumable keeps nothing: the bot re-IDENTIFYs and sees only what REST shows it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.e2e.fake_models import Channel, Guild, InteractionRecord, Message
from tests.e2e.fake_state import State

GUILDS, GUILD_MEMBERS, GUILD_PRESENCES, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS = (
    1 << 0,
    1 << 1,
    1 << 8,
    1 << 9,
    1 << 10,
)
MESSAGE_CONTENT = 1 << 15
PRIVILEGED = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT
EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "GUILD_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "THREAD_UPDATE": GUILDS,
    "THREAD_DELETE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "MESSAGE_CREATE": GUILD_MESSAGES,
    "MESSAGE_UPDATE": GUILD_MESSAGES,
    "MESSAGE_DELETE": GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": GUILD_MESSAGE_REACTIONS,
}
CONTENT_KEYS = ("content", "embeds", "attachments", "components")
SNOWFLAKE_SHIFT = 22  # Discord's sharding formula: shard_id = (guild_id >> 22) % num_shards


def guild_of(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event is about: `guild_id`, or `id` for a guild's own events (GUILD_DELETE)."""
    key = data.get("guild_id") or (data.get("id") if event.startswith("GUILD_") else None)
    return int(key) if key else None


def redact(data: dict[str, Any], intents: int | None, bot_id: int) -> dict[str, Any]:
    """Without MESSAGE_CONTENT, Discord blanks other users' messages unless they mention the bot."""
    if intents is None or intents & MESSAGE_CONTENT or "author" not in data:
        return data
    if int(data["author"]["id"]) == bot_id or any(int(u["id"]) == bot_id for u in data.get("mentions", [])):
        return data
    return data | {"content": ""} | {key: [] for key in CONTENT_KEYS[1:]}


@dataclass(eq=False)
class Frame:
    seq: int
    payload: dict[str, Any]
    on_sent: Callable[[float], None] | None = None
    sent: bool = False

    def mark_sent(self) -> None:
        if not self.sent and self.on_sent is not None:
            self.on_sent(time.monotonic())
        self.sent = True


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    shard: tuple[int, int] | None = None  # (shard_id, num_shards) from IDENTIFY; None: every guild
    ws: web.WebSocketResponse | None = None
    resumable: bool = True
    frames: list[Frame] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # keeps frames in seq order on the wire

    @property
    def seq(self) -> int:
        return self.frames[-1].seq if self.frames else 0

    def carries(self, guild_id: int | None) -> bool:
        """This session is the one Discord sends the guild's events on (DMs go to shard 0)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return (0 if guild_id is None else (guild_id >> SNOWFLAKE_SHIFT) % count) == shard_id


class Gateway:
    HEARTBEAT_INTERVAL_MS = 41250

    def __init__(self, state: State, allowed_privileged: int = PRIVILEGED) -> None:
        self.state = state
        self.url = ""  # ws://127.0.0.1:port/gateway, set when the server starts
        self.allowed_privileged = allowed_privileged
        self.sessions: dict[str, Session] = {}
        self.counts: Counter[str] = Counter()  # identify, ready, resume, resumed, replayed, invalid_session, ...
        self.log: list[tuple[float, str]] = []  # (monotonic time, "recv IDENTIFY" / "send READY" / ...)
        self._sockets: set[web.WebSocketResponse] = set()

    # -- inspection -----------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return any(s.ws is not None for s in self.sessions.values())

    @property
    def intents(self) -> int | None:
        """The intents of the newest session (what REST content redaction follows), None before any."""
        return list(self.sessions.values())[-1].intents if self.sessions else None

    def _note(self, what: str) -> None:
        self.log.append((time.monotonic(), what))
        self.counts[what.split(" ", 1)[1].lower()] += 1
        self.state.changes.notify()

    # -- the websocket --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: Session | None = None
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": self.HEARTBEAT_INTERVAL_MS}}))
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    session = await self._on_op(ws, json.loads(msg.data)) or session
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
                # A client that closes with 1000/1001 ends its session; a crash or a 4xxx close keeps it resumable.
                session.resumable = ws.close_code not in (1000, 1001)
            self.state.changes.notify()
        return ws

    async def _on_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> Session | None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == 1:
            self._note("recv HEARTBEAT")
            await ws.send_str(json.dumps({"op": 11}))
        elif op == 2:
            self._note("recv IDENTIFY")
            return await self._identify(ws, data)
        elif op == 6:
            self._note("recv RESUME")
            return await self._resume(ws, data)
        elif op == 8:
            await self._send_chunk(ws, data)
        return None

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        if data.get("token") != self.state.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED & ~self.allowed_privileged:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard = data.get("shard")
        # A new IDENTIFY replaces sessions nobody is connected to (e.g. a killed process's) on its shard.
        self.sessions = {k: s for k, s in self.sessions.items() if s.ws is not None or s.shard != shard}
        session = Session(uuid.uuid4().hex, intents, shard=(int(shard[0]), int(shard[1])) if shard else None, ws=ws)
        self.sessions[session.id] = session
        guilds = [g for g in list(self.state.guilds.values()) if session.carries(g.id)]
        ready = {
            "v": 10,
            "user": self.state.bot.payload(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "session_type": "normal",
            "application": {"id": str(self.state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        } | ({"shard": list(session.shard)} if session.shard else {})
        await self._deliver(session, "READY", ready)
        for guild in guilds:
            await self._deliver(session, "GUILD_CREATE", self.guild_create_payload(guild, intents))
        self._note("send READY")  # counted once the guilds are out too, so "ready" means the bot has its world
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> Session | None:
        session = self.sessions.get(data.get("session_id", ""))
        if session is None or not session.resumable or data.get("token") != self.state.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            self._note("send INVALID_SESSION")
            return None
        async with session.lock:
            missed = [f for f in session.frames if f.seq > (data.get("seq") or 0)]
            for frame in missed:
                await self._send(ws, frame)
            session.ws = ws
        self.counts["replayed"] += len(missed)
        await self._deliver(session, "RESUMED", {})
        self._note("send RESUMED")
        return session

    async def _send_chunk(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        """REQUEST_GUILD_MEMBERS (op 8) -> one GUILD_MEMBERS_CHUNK, unsequenced as Discord sends it."""
        guild = self.state.guilds[int(data["guild_id"])]
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (not wanted or m.id in wanted) and m.user.name.lower().startswith(query)
        ][: data.get("limit") or None]
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
            "nonce": data.get("nonce"),
        }
        await ws.send_str(json.dumps({"op": 0, "t": "GUILD_MEMBERS_CHUNK", "s": None, "d": chunk}))

    async def _deliver(
        self, session: Session, event: str, data: dict[str, Any], on_sent: Callable[[float], None] | None = None
    ) -> None:
        frame = Frame(session.seq + 1, {"op": 0, "t": event, "s": session.seq + 1, "d": data}, on_sent)
        session.frames.append(frame)
        async with session.lock:
            if session.ws is not None:
                await self._send(session.ws, frame)

    async def _send(self, ws: web.WebSocketResponse, frame: Frame) -> None:
        try:
            await ws.send_str(json.dumps(frame.payload))
        except (ConnectionError, RuntimeError):
            return  # the socket died under us: the frame stays in the session for a RESUME
        frame.mark_sent()

    # -- what tests and REST routes call --------------------------------------------------------

    async def dispatch(
        self, event: str, data: dict[str, Any], *, on_sent: Callable[[float], None] | None = None
    ) -> None:
        """Send an event to every live or resumable session of its guild's shard whose intents cover it."""
        for session in self._audience(event, guild_of(event, data)):
            await self._deliver(session, event, redact(data, session.intents, self.state.bot.id), on_sent)
        self.state.changes.notify()

    async def guild_create(self, guild: Guild) -> None:
        """The bot joined `guild` while connected: GUILD_CREATE, with the members each session may see."""
        for session in self._audience("GUILD_CREATE", guild.id):
            await self._deliver(session, "GUILD_CREATE", self.guild_create_payload(guild, session.intents))
        self.state.changes.notify()

    def _audience(self, event: str, guild_id: int | None) -> list[Session]:
        intent = EVENT_INTENTS.get(event, 0)
        return [
            s
            for s in self.sessions.values()
            if (s.ws is not None or s.resumable) and (not intent or s.intents & intent) and s.carries(guild_id)
        ]

    async def drop(self, *, resumable: bool = True, code: int = 4000) -> None:
        """Close every live session's socket. A non-resumable session answers the bot's RESUME with op 9."""
        for session in list(self.sessions.values()):
            async with session.lock:
                ws, session.ws = session.ws, None
            if ws is None:
                continue
            session.resumable = resumable
            if not resumable:
                session.frames.clear()
            self._note(f"send CLOSE_{code}")
            await ws.close(code=code)

    async def close_all(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001)

    def guild_create_payload(self, guild: Guild, intents: int) -> dict[str, Any]:
        """Without GUILD_MEMBERS, Discord sends only the bot's own member in GUILD_CREATE."""
        members = list(guild.members.values()) if intents & GUILD_MEMBERS else [self.state.bot_member(guild)]
        return guild.create_payload(members=members)

    # -- event payloads built from the model ----------------------------------------------------

    async def message_create(self, message: Message) -> None:
        member = message.channel.guild.members.get(message.author.id)
        await self.dispatch("MESSAGE_CREATE", message.payload(self.state.base_url, member=member))

    async def message_update(self, message: Message) -> None:
        member = message.channel.guild.members.get(message.author.id)
        await self.dispatch("MESSAGE_UPDATE", message.payload(self.state.base_url, member=member))

    async def message_delete(self, message: Message) -> None:
        data = {"id": str(message.id), "channel_id": str(message.channel.id), "guild_id": str(message.channel.guild.id)}
        await self.dispatch("MESSAGE_DELETE", data)

    async def channel_event(self, event: str, channel: Channel, **extra: Any) -> None:
        await self.dispatch(event, channel.payload() | extra)

    async def interaction_create(self, record: InteractionRecord) -> None:
        def first_sent(at: float) -> None:
            if record.sent_at is None:
                record.sent_at = at

        await self.dispatch("INTERACTION_CREATE", record.payload, on_sent=first_sent)
