"""auth.test, apps.connections.open, conversations.history/replies/info/members, users.info,
usergroups.users.list, team.info: what the bot reads.

History and replies page with `limit` and `cursor` (`response_metadata.next_cursor`, `has_more`);
`oldest`/`latest` bound by ts, exclusive unless `inclusive`. Message metadata is returned only with
`include_all_metadata`, as on Slack.
"""

from __future__ import annotations

from typing import Any

from tests.e2e_slack.slack_state import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Message, State
from tests.e2e_slack.socket_mode import SocketMode
from tests.e2e_slack.web_api import Call, SlackError, WebApi

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


class ReadMethods:
    def __init__(self, state: State, socket: SocketMode) -> None:
        self.state, self.socket = state, socket

    def register(self, api: WebApi) -> None:
        api.method("auth.test", self.auth_test)
        api.method("apps.connections.open", self.connections_open, token="app")
        api.method("conversations.history", self.history)
        api.method("conversations.replies", self.replies)
        api.method("conversations.info", self.info)
        api.method("conversations.members", self.members)
        api.method("users.info", self.user_info)
        api.method("usergroups.users.list", self.usergroup_users)
        api.method("team.info", self.team_info)

    async def auth_test(self, call: Call) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Grill study group",
            "user": self.state.bot.name,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "is_enterprise_install": False,
        }

    async def connections_open(self, call: Call) -> dict[str, Any]:
        return {"url": self.socket.issue_url()}

    def _channel(self, call: Call) -> str:
        channel = self.state.channels.get(call.str("channel"))
        if channel is None:
            raise SlackError("channel_not_found")
        if self.state.bot.id not in channel.members:
            raise SlackError("not_in_channel")
        return channel.id

    def _page(self, call: Call, messages: list[Message], **extra: Any) -> dict[str, Any]:
        oldest, latest, inclusive = call.optional("oldest"), call.optional("latest"), call.flag("inclusive")

        def inside(m: Message) -> bool:
            ts = float(m.ts)
            low = oldest is None or (ts >= float(oldest) if inclusive else ts > float(oldest))
            high = latest is None or (ts <= float(latest) if inclusive else ts < float(latest))
            return low and high

        kept = [m for m in messages if inside(m)]
        start = int(call.optional("cursor") or 0)
        limit = min(int(call.optional("limit") or DEFAULT_LIMIT), MAX_LIMIT)
        page = kept[start : start + limit]
        more = start + limit < len(kept)
        with_metadata = call.flag("include_all_metadata")
        return {
            "messages": [self._listed(m, with_metadata) for m in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
            **extra,
        }

    def _listed(self, message: Message, with_metadata: bool) -> dict[str, Any]:
        body = message.payload(with_metadata=with_metadata)
        replies = [m for m in self.state.thread(message.channel.id, message.ts) if m.is_reply]
        if replies and not message.is_reply:
            body |= {
                "thread_ts": message.ts,
                "reply_count": len(replies),
                "reply_users": sorted({m.user for m in replies}),
                "latest_reply": replies[-1].ts,
            }
        return body

    async def history(self, call: Call) -> dict[str, Any]:
        return self._page(call, self.state.top_level(self._channel(call)))

    async def replies(self, call: Call) -> dict[str, Any]:
        channel = self._channel(call)
        ts = call.str("ts")
        thread = self.state.thread(channel, ts)
        if not thread:
            raise SlackError("thread_not_found")
        parent = thread[0] if thread[0].ts == ts else None
        if parent is None:  # ts of a reply: Slack answers with that reply's thread
            thread = self.state.thread(channel, thread[0].thread_ts or ts)
            parent = thread[0]
        page = self._page(call, [m for m in thread if m is not parent])
        page["messages"].insert(0, self._listed(parent, call.flag("include_all_metadata")))
        return page

    async def info(self, call: Call) -> dict[str, Any]:
        channel = self.state.channels.get(call.str("channel"))
        if channel is None:
            raise SlackError("channel_not_found")
        return {"channel": channel.payload()}

    async def members(self, call: Call) -> dict[str, Any]:
        return {"members": sorted(self.state.channels[self._channel(call)].members), "response_metadata": {}}

    async def user_info(self, call: Call) -> dict[str, Any]:
        user = self.state.users.get(call.str("user"))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.payload()}

    async def usergroup_users(self, call: Call) -> dict[str, Any]:
        users = self.state.usergroups.get(call.str("usergroup"))
        if users is None:
            raise SlackError("no_such_subteam")
        return {"users": list(users)}

    async def team_info(self, call: Call) -> dict[str, Any]:
        return {"team": {"id": TEAM_ID, "name": "Grill study group", "domain": TEAM_DOMAIN}}
