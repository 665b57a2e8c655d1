"""What every Slack handler shares: the services, the Web client, the caches, the connection state."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.round_cache import RoundCache
from bot.slack_ui.limiter import ChannelPacer
from bot.slack_ui.refs import member_ref

if TYPE_CHECKING:
    from bot.app import Runtime, Services
    from bot.charts import ChartRenderer
    from bot.jobs import GrillJobs

log = logging.getLogger(__name__)

NAME_TTL = 3600.0  # seconds a display name is trusted before users.info is asked again
ADMIN_TTL = 60.0  # seconds an admin check is trusted (a demoted admin loses /grill within a minute)


def display_name(user: dict[str, Any]) -> str:
    """Slack's display name, which is often empty, then the real name, then the handle."""
    profile = user.get("profile") or {}
    return str(
        profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name") or ""
    )


@dataclass
class SlackContext:
    runtime: Runtime
    client: AsyncWebClient
    charts: ChartRenderer
    admin_group: str | None = None
    cache: RoundCache = field(default_factory=RoundCache)
    pacer: ChannelPacer = field(default_factory=ChannelPacer)
    bot_user_id: str = ""
    team_id: str = ""
    _names: dict[str, tuple[float, str]] = field(default_factory=dict)
    _admins: dict[str, tuple[float, bool]] = field(default_factory=dict)

    @property
    def services(self) -> Services:
        return self.runtime.services

    @property
    def jobs(self) -> GrillJobs:
        return self.runtime.jobs

    async def name_of(self, space_id: str, user_id: str) -> str:
        """A member's display name (users.info, kept an hour), remembered for boards and results."""
        cached = self._names.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < NAME_TTL:
            return cached[1]
        try:
            user = (await self.client.users_info(user=user_id)).get("user") or {}
        except SlackApiError as error:
            log.warning("users.info failed for a member: %s", error.response.get("error"))
            return cached[1] if cached else user_id
        name = display_name(user) or user_id
        self._names[user_id] = (time.monotonic(), name)
        await self.services.spaces.remember_member(space_id, member_ref(user_id), name)
        return name

    async def is_admin(self, user_id: str) -> bool:
        """Workspace admins and owners (users.info), or members of the configured admin user group."""
        cached = self._admins.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < ADMIN_TTL:
            return cached[1]
        user = (await self.client.users_info(user=user_id)).get("user") or {}
        allowed = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        if not allowed and self.admin_group:
            members = (await self.client.usergroups_users_list(usergroup=self.admin_group)).get("users") or []
            allowed = user_id in members
        self._admins[user_id] = (time.monotonic(), allowed)
        return allowed
