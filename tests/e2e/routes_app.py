"""Login, gateway discovery and application commands."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.fake_gateway import Gateway
from tests.e2e.fake_rest import ApiError, Call, Rest, invalid_form
from tests.e2e.fake_state import State

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
CHAT_INPUT = 1


class AppRoutes:
    def __init__(self, state: State, gateway: Gateway) -> None:
        self.state, self.gateway = state, gateway

    def register(self, rest: Rest) -> None:
        rest.route("GET", "/users/@me", self.me)
        rest.route("GET", "/users/{user_id}", self.user)
        rest.route("GET", "/oauth2/applications/@me", self.application)
        rest.route("GET", "/gateway", self.gateway_url)
        rest.route("GET", "/gateway/bot", self.gateway_bot)
        for scope in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            rest.route("GET", scope, self.get_commands)
            rest.route("PUT", scope, self.put_commands)

    async def me(self, call: Call) -> dict[str, Any]:
        return self.state.bot.payload()

    async def user(self, call: Call) -> dict[str, Any]:
        user = self.state.users.get(call.id("user_id"))
        if user is None:
            raise ApiError(404, 10013, "Unknown User")
        return user.payload()

    async def application(self, call: Call) -> dict[str, Any]:
        return {
            "id": str(self.state.application_id),
            "name": self.state.bot.name,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.state.owner.payload(),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self.state.bot.payload(),
        }

    async def gateway_url(self, call: Call) -> dict[str, Any]:
        return {"url": self.gateway.url}

    async def gateway_bot(self, call: Call) -> dict[str, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return {"url": self.gateway.url, "shards": 1, "session_start_limit": limit}

    def _scope(self, call: Call) -> int | None:
        if call.id("application_id") != self.state.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return None
        guild_id = call.id("guild_id")
        if guild_id not in self.state.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return guild_id

    async def get_commands(self, call: Call) -> list[dict[str, Any]]:
        return self.state.commands.get(self._scope(call), [])

    async def put_commands(self, call: Call) -> list[dict[str, Any]]:
        """Bulk overwrite. A command keeps its id when its name and type are unchanged, as on Discord."""
        scope = self._scope(call)
        problems = [p for command in call.json for p in _command_problems(command)]
        if sum(1 for c in call.json if c.get("type", CHAT_INPUT) == CHAT_INPUT) > 100:
            problems.append("more than 100 chat input commands")
        if problems:
            raise invalid_form(*problems)
        old = {(c["name"], c["type"]): c for c in self.state.commands.get(scope, [])}
        stored = []
        for command in call.json:
            kind = command.get("type", CHAT_INPUT)
            previous = old.get((command["name"], kind))
            stored.append(
                command
                | {
                    "id": previous["id"] if previous else str(self.state.ids.next()),
                    "application_id": str(self.state.application_id),
                    "type": kind,
                    "version": str(self.state.ids.next()),
                    "description": command.get("description", ""),
                    "default_member_permissions": command.get("default_member_permissions"),
                    "nsfw": command.get("nsfw", False),
                }
                | ({"guild_id": str(scope)} if scope else {})
            )
        self.state.commands[scope] = stored
        self.state.command_syncs.append(scope)
        return stored


def _command_problems(command: dict[str, Any]) -> list[str]:
    """Slash command names are 1-32 lowercase word characters; context menu names are any 1-32 characters."""
    name = command.get("name", "")
    problems = [] if 1 <= len(name) <= 32 else [f"command name {name!r} is not 1-32 characters"]
    if command.get("type", CHAT_INPUT) == CHAT_INPUT:
        if not COMMAND_NAME.match(name) or name != name.lower():
            problems.append(f"slash command name {name!r} must be lowercase word characters")
        if not 1 <= len(command.get("description", "")) <= 100:
            problems.append(f"/{name}: description must be 1-100 characters")
    problems += _option_problems(name, command.get("options", []))
    return problems


def _option_problems(path: str, options: list[dict[str, Any]]) -> list[str]:
    problems = [f"/{path}: more than 25 options"] if len(options) > 25 else []
    for option in options:
        where = f"{path} {option.get('name')}"
        if len(option.get("choices", [])) > 25:
            problems.append(f"/{where}: more than 25 choices")
        if option.get("autocomplete") and option.get("choices"):
            problems.append(f"/{where}: autocomplete cannot be combined with choices")
        problems += _option_problems(where, option.get("options", []))
    return problems
