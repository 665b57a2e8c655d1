"""What every Slack handler shares: the services, the Web client, the caches, the connection state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.round_cache import RoundCache
from bot.slack_ui import render
from bot.slack_ui.errors import failure_text
from bot.slack_ui.limiter import ChannelPacer
from bot.slack_ui.refs import member_ref

if TYPE_CHECKING:
    from bot.app import Runtime, Services
    from bot.charts import ChartRenderer
    from bot.jobs import GrillJobs

log = logging.getLogger(__name__)

NAME_TTL = 3600.0  # seconds a display name is trusted before users.info is asked again
SUBMIT_BUDGET = 1.5  # seconds a submission's work may take before its ack goes out without the result
ACK_WAIT = 3.0  # seconds; Slack drops an ack later than 3 s anyway
ADMIN_TTL = 60.0  # seconds an admin check is trusted (a demoted admin loses /grill within a minute)


class AckBarrier:
    """Lets a view_submission's listener wait until its ack has gone out on the socket.

    Bolt sends the ack after the listener calls `ack()` (it polls every 10 ms), so a `views.update`
    made right after could reach Slack before the ack's own `response_action: update`, which would
    then replace the result with the "saving" notice. The socket handler reports each ack it sent;
    without a socket (tests dispatching to Bolt directly) the ack is already back and nothing waits."""

    def __init__(self) -> None:
        self.enabled = False
        self._waiting: dict[str, asyncio.Event] = {}

    def expect(self, view_id: str) -> None:
        if self.enabled:
            self._waiting[view_id] = asyncio.Event()

    def sent(self, payload: dict[str, Any]) -> None:
        if payload.get("type") == "view_submission":
            event = self._waiting.get(str((payload.get("view") or {}).get("id", "")))
            if event is not None:
                event.set()

    async def wait(self, view_id: str) -> None:
        """Until the ack for `view_id` was sent, or ACK_WAIT passed (Slack would have given up on it)."""
        event = self._waiting.get(view_id)
        if event is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), ACK_WAIT)
            self._waiting.pop(view_id, None)


async def _view_or_notice(work: Awaitable[dict[str, Any]], title: str, where: str) -> dict[str, Any]:
    try:
        return await work
    except Exception as error:
        return render.notice(title, render.escape(failure_text(error, where)))


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
    acks: AckBarrier = field(default_factory=AckBarrier)
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

    async def answer_submission(
        self, ack: Any, view: dict[str, Any], title: str, saving: str, work: Awaitable[dict[str, Any]], where: str
    ) -> None:
        """Answer a submitted modal with the view `work` builds (its result, or the refusal as a notice).

        When the work is done within SUBMIT_BUDGET the ack itself carries the result (nothing can
        race it). Otherwise the ack turns the modal into a `saving` notice and the result follows by
        `views.update`, sent once the ack is on the socket (see AckBarrier)."""
        result = asyncio.ensure_future(_view_or_notice(work, title, where))
        done, _ = await asyncio.wait({result}, timeout=SUBMIT_BUDGET)
        if result in done:
            await ack(response_action="update", view=result.result())
            return
        self.acks.expect(view["id"])
        await ack(response_action="update", view=render.notice(title, saving))
        await self.acks.wait(view["id"])
        await self.client.views_update(view_id=view["id"], view=await result)

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
