"""Drive the real bot's interaction handling through discord.py's own objects, with no network.

`Client` builds a `GrillBot` on the test's services, feeds it INTERACTION_CREATE payloads through
discord.py's `ConnectionState.parse_interaction_create` (so DynamicItem templates, `from_custom_id`
and the bot's `on_interaction` form router run exactly as on a gateway event), and records what
the bot answered. discord.py's webhook adapter is swapped for `Recorder`, which answers every
interaction callback and followup the way Discord would, without a request leaving the process.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import discord
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.app import Services
from bot.discord_ui.client import GrillBot
from bot.discord_ui.voting import ANSWER_FORM, DYNAMIC_ITEMS, RATING_FORM, submit_answer_form, submit_rating
from bot.jobs import GrillJobs
from bot.settings import Settings

APPLICATION_ID = 100
BOT_USER = {"id": "100", "username": "grillbot", "discriminator": "0", "avatar": None, "bot": True}
WHEN = "2026-11-30T08:00:00+00:00"
APPLICATION_COMMAND, COMPONENT, MODAL_SUBMIT = 2, 3, 5
_ids = itertools.count(10_000)


class Recorder(AsyncWebhookAdapter):
    """discord.py's webhook adapter, answering locally: what the bot sent is kept in `sent`."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def request(self, route: Any, session: Any, *, payload: Any = None, **kwargs: Any) -> Any:
        body: dict[str, Any] = payload or {}
        if not body and kwargs.get("multipart"):
            body = {"multipart": True}
        self.sent.append((f"{route.method} {route.path}", body))
        if route.path.endswith("/callback"):
            return {"interaction": {"id": str(next(_ids)), "type": body.get("type")}}
        return message_payload(body)


def message_payload(body: dict[str, Any], channel_id: str = "1") -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "channel_id": channel_id,
        "type": 0,
        "content": body.get("content") or "",
        "author": BOT_USER,
        "attachments": [],
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "mention_everyone": False,
        "tts": False,
        "timestamp": WHEN,
        "edited_timestamp": None,
        "flags": body.get("flags", 0),
    }


def user(user_id: int) -> dict[str, Any]:
    return {"id": str(user_id), "username": f"user{user_id}", "discriminator": "0", "avatar": None}


class Reply:
    """What the bot answered one interaction: the first callback, then any followups."""

    def __init__(self, sent: list[tuple[str, dict[str, Any]]]) -> None:
        self.sent = sent

    @property
    def modal(self) -> dict[str, Any] | None:
        first = self.sent[0][1] if self.sent else {}
        return first.get("data") if first.get("type") == 9 else None

    @property
    def texts(self) -> list[str]:
        """Every message text the member was shown, callbacks and followups alike."""
        out = []
        for _, body in self.sent:
            body = body["data"] if "type" in body and isinstance(body.get("data"), dict) else body
            parts = [body.get("content") or ""]
            for embed in body.get("embeds") or []:
                parts += [embed.get("title") or "", embed.get("description") or ""]
                parts += [f.get("value", "") for f in embed.get("fields", [])]
                parts.append((embed.get("footer") or {}).get("text", ""))
            out.append("\n".join(p for p in parts if p))
        return [t for t in out if t]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def components(self) -> list[dict[str, Any]]:
        found = []
        for _, body in self.sent:
            body = body["data"] if "type" in body and isinstance(body.get("data"), dict) else body
            for row in body.get("components") or []:
                found += row.get("components", [])
        return found


class Client:
    def __init__(self, bot: GrillBot, recorder: Recorder) -> None:
        self.bot, self.recorder = bot, recorder

    async def click(self, guild_id: int, user_id: int, custom_id: str, values: list[str] | None = None) -> Reply:
        """A button press (or, with `values`, a select pick) carrying `custom_id`, as if crafted."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
        if values is not None:
            data["values"] = values
        if values is None:
            component = {"type": 2, "style": 1, "label": "button", "custom_id": custom_id}
        else:
            options = [{"label": v, "value": v} for v in values]
            component = {"type": 3, "custom_id": custom_id, "options": options, "min_values": 1, "max_values": 1}
        # The message the component is on: discord.py routes a click only to a component the message holds.
        rows = [{"type": 1, "components": [component]}]
        message = message_payload({"content": "a message of the bot's", "flags": 64, "components": rows})
        return await self._send(COMPONENT, guild_id, user_id, data, message=message)

    async def message_command(
        self, guild_id: int, user_id: int, name: str, channel_id: int, author_id: int, message_id: int
    ) -> Reply:
        """A message context-menu command ("Apps > name") on a member's message in `channel_id`."""
        target = message_payload({"content": "a member's message"}, str(channel_id))
        target |= {"id": str(message_id), "author": user(author_id)}
        data = {
            "id": "1",
            "name": name,
            "type": 3,
            "target_id": str(message_id),
            "resolved": {"messages": {str(message_id): target}},
        }
        return await self._send(APPLICATION_COMMAND, guild_id, user_id, data)

    async def submit(self, guild_id: int, user_id: int, custom_id: str, values: dict[str, str]) -> Reply:
        """A form submit with `custom_id`: text inputs and radio groups, each inside a Label."""
        components = [
            {"type": 18, "id": i, "component": {"type": 4, "id": 100 + i, "custom_id": key, "value": value}}
            for i, (key, value) in enumerate(values.items(), 1)
        ]
        return await self._send(MODAL_SUBMIT, guild_id, user_id, {"custom_id": custom_id, "components": components})

    async def _send(
        self, kind: int, guild_id: int, user_id: int, data: dict[str, Any], message: dict[str, Any] | None = None
    ) -> Reply:
        start = len(self.recorder.sent)
        payload: dict[str, Any] = {
            "id": str(next(_ids)),
            "application_id": str(APPLICATION_ID),
            "type": kind,
            "token": f"token-{next(_ids)}",
            "version": 1,
            "guild_id": str(guild_id),
            "channel_id": str(guild_id * 10),
            "channel": {
                "id": str(guild_id * 10),
                "type": 0,
                "guild_id": str(guild_id),
                "name": "general",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "rate_limit_per_user": 0,
                "flags": 0,
            },
            "member": {
                "user": user(user_id),
                "roles": [],
                "joined_at": WHEN,
                "deaf": False,
                "mute": False,
                "permissions": "0",
                "flags": 0,
            },
            "app_permissions": "0",
            "attachment_size_limit": 8388608,
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {},
            "context": 0,
            "data": data,
        }
        if message is not None:
            payload["message"] = message | {"channel_id": payload["channel_id"]}
        self.bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await self._settle()
        return Reply(self.recorder.sent[start:])

    async def _settle(self) -> None:
        """Wait until every task the interaction started (item callbacks, the form router) is done."""
        async with asyncio.timeout(5):
            while True:
                # A sent view's timeout watcher runs until the view stops: not part of the work.
                pending = [
                    t
                    for t in asyncio.all_tasks()
                    if t is not asyncio.current_task() and "timeout_task" not in repr(t.get_coro())
                ]
                if not pending:
                    return
                await asyncio.wait(pending)


async def make_client(services: Services, db_path: str) -> tuple[Client, Any]:
    recorder = Recorder()
    token = async_context.set(recorder)
    bot = GrillBot(Settings(token="x", db_path=db_path))
    await bot._async_setup_hook()  # what login does first: bind the bot to the running loop
    bot.services = services
    bot.jobs = GrillJobs(services.grill)
    bot.add_dynamic_items(*DYNAMIC_ITEMS)
    bot.modal_router.add(RATING_FORM, submit_rating)
    bot.modal_router.add(ANSWER_FORM, submit_answer_form)
    bot._connection.application_id = APPLICATION_ID
    bot._connection.user = discord.ClientUser(state=bot._connection, data=BOT_USER)  # type: ignore[arg-type]
    await bot.load_cogs()
    return Client(bot, recorder), token
