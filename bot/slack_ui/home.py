"""Standings and a member's own record: /leaderboard, /stats, /me, and the App Home tab.

The App Home tab (`app_home_opened` -> `views.publish`) shows the member's stats and this week's
board; /stats answers privately and puts its chart in the member's DM with the bot
(`files_upload_v2`: an ephemeral message can't carry a file).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.core.errors import InvalidInput
from bot.core.models import BoardView, Period
from bot.core.services.stats import MemberStats
from bot.slack_ui import commands, render
from bot.slack_ui.context import SlackContext
from bot.slack_ui.errors import guarded
from bot.slack_ui.files import send_file
from bot.slack_ui.refs import member_ref, space_ref
from bot.slack_ui.voting import team_of, user_of

BOARD_OPTIONS = ("type", "period", "view")
MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>")
ME_USAGE = "Usage: `/me hide` · `/me show` · `/me export` · `/me forget DELETE`"


def register(app: AsyncApp, slack: SlackContext) -> None:
    async def ephemeral_say(respond: Any) -> Any:
        async def say(text: str) -> None:
            await respond(text=text, response_type="ephemeral")

        return say

    @app.command("/leaderboard")
    async def leaderboard(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await guarded(await ephemeral_say(respond), show_board(slack, body, respond), "/leaderboard")

    @app.command("/stats")
    async def stats(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await guarded(await ephemeral_say(respond), show_stats(slack, body, respond), "/stats")

    @app.command("/me")
    async def me(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        say = await ephemeral_say(respond)
        await guarded(say, run_me(slack, body, say), "/me")

    @app.event("app_home_opened")
    async def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            await publish_home(slack, space_ref(str(body.get("team_id", ""))), str(event["user"]))


async def show_board(slack: SlackContext, body: dict[str, Any], respond: Any) -> None:
    """`/leaderboard [type=T] [period=week|month|all] [view=points|rating]`, for the whole channel."""
    chosen = commands.options(body.get("text") or "", BOARD_OPTIONS)
    try:
        period = Period(chosen.get("period", "week"))
        view = BoardView(chosen.get("view", "points"))
    except ValueError as error:
        raise InvalidInput("period takes week, month or all; view takes points or rating.") from error
    type_id = chosen.get("type") or None
    board = await slack.services.boards.leaderboard(
        team_of(body), type_id, period, view, caller_id=member_ref(user_of(body))
    )
    qtype = slack.services.bank.types.get(type_id) if type_id else None
    blocks = render.leaderboard_blocks(board, qtype)
    await respond(blocks=blocks, text="Leaderboard", response_type="in_channel")


async def member_stats(slack: SlackContext, space: str, user: str, viewer: str) -> MemberStats:
    stats = await slack.services.stats.member_stats(space, member_ref(user), viewer_id=member_ref(viewer))
    return replace(stats, display_name=await slack.name_of(space, user))  # the freshest name is Slack's own


def stats_blocks(stats: MemberStats) -> list[render.Block]:
    standing = stats.standing
    lines = []
    for t in stats.per_type:
        rating = f"{t.rating:.0f}" if t.rating is not None else "–"
        lines.append(f"*{t.name}*: {t.points:.1f} pts · rating {rating} · {t.answers} answers · {t.drills} drills")
    accuracy = stats.classify
    fields = [
        f"*Points:* {standing.overall_points:.1f}",
        f"*Votes given:* {standing.votes_cast}",
        f"*Streak:* {standing.streak} (best {standing.best_streak})",
        f"*Classify:* {f'{accuracy.correct}/{accuracy.attempts}' if accuracy.attempts else '–'}",
        f"*Drill cards due:* {stats.cards_due}",
    ]
    return [
        render.header(f"{stats.display_name}: practice stats"),
        render.section("\n".join(lines)),
        {"type": "section", "fields": [render.mrkdwn(f) for f in fields]},
    ]


async def show_stats(slack: SlackContext, body: dict[str, Any], respond: Any) -> None:
    """`/stats [@member]`: the numbers here, the chart in the caller's DM with the bot."""
    space, caller = team_of(body), user_of(body)
    mention = MENTION.search(body.get("text") or "")
    target = mention["id"] if mention else caller
    stats = await member_stats(slack, space, target, caller)
    blocks = stats_blocks(stats)
    chart = await slack.charts.render(stats)
    channel = await send_file(slack, caller, "stats.png", chart, f"{render.name(stats.display_name)}: the chart")
    blocks.append(render.context(f"The chart (self vs peer per type, weekly strength) is in <#{channel}>."))
    await respond(blocks=blocks, text="Practice stats", response_type="ephemeral")


async def publish_home(slack: SlackContext, space: str, user: str) -> None:
    """The member's App Home: their stats, then this week's board with their own rank."""
    stats = await member_stats(slack, space, user, user)
    board = await slack.services.boards.leaderboard(space, None, Period.WEEK, BoardView.POINTS, member_ref(user))
    blocks = [
        *stats_blocks(stats),
        {"type": "divider"},
        *render.leaderboard_blocks(board, None),
        render.context("Commands: /drill · /classify · /framework · /leaderboard · /stats · /me"),
    ]
    await slack.client.views_publish(user_id=user, view={"type": "home", "blocks": blocks[: render.MODAL_BLOCKS_MAX]})


async def run_me(slack: SlackContext, body: dict[str, Any], say: Any) -> None:
    space, user = team_of(body), user_of(body)
    words = (body.get("text") or "").split()
    action = words[0].lower() if words else ""
    if action in ("hide", "show"):
        await slack.services.spaces.set_hidden(space, member_ref(user), action == "hide")
        await say("You're off the leaderboards here." if action == "hide" else "You're back on the leaderboards.")
    elif action == "export":
        data = await slack.services.privacy.export_member(space, member_ref(user))
        channel = await send_file(slack, user, "grillbot-me.json", data, "Your data in this workspace:")
        await say(f"Sent: your data is in <#{channel}> (your messages with me).")
    elif action == "forget":
        if words[1:] != ["DELETE"]:
            await say("Nothing deleted. Run `/me forget DELETE` to delete.")
            return
        removed = await slack.services.privacy.forget_member(space, member_ref(user))
        await say(f"Done: {removed} record(s) deleted. Results already posted in threads are not edited.")
    else:
        raise InvalidInput(ME_USAGE)
