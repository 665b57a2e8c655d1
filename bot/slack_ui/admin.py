"""/grill setup|timing|pause|resume|skip|post|close|settings|import|export: the admin side on Slack.

Slack shows every slash command to everyone, so each run is checked here: only workspace admins and
owners (users.info) or members of GRILLBOT_SLACK_ADMIN_GROUP may run /grill. Replies go through the
command's response_url (ephemeral; no channel membership needed). `/grill import` opens a modal with
a file field first (its trigger_id lives 3 s); the admin check and the import run on submit.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.core import admin_replies
from bot.core.content import MAX_PACK_BYTES
from bot.core.errors import InvalidInput
from bot.core.models import GuildSettings
from bot.slack_ui import commands, render
from bot.slack_ui.context import SlackContext
from bot.slack_ui.errors import guarded
from bot.slack_ui.files import send_file
from bot.slack_ui.publisher import slack_error
from bot.slack_ui.refs import member_ref, space_ref, split_message_ref

log = logging.getLogger(__name__)

NOT_ADMIN = (
    "Only workspace admins and owners can run /grill (or members of the admin user group the bot's "
    "host set). Ask one of them."
)
IMPORT_FORM = "gb:import"
IMPORT_TITLE = "Import a pack"


def not_in_channel(channel: str) -> InvalidInput:
    return InvalidInput(
        f"I'm not in <#{channel}> yet. Run `/invite @grillbot` in that channel, then run /grill setup again."
    )


def register(app: AsyncApp, slack: SlackContext) -> None:
    @app.command("/grill")
    async def grill(ack: Any, body: dict[str, Any], respond: Any, client: Any) -> None:
        if commands.split_or_none(body.get("text", "")) == "import":
            await client.views_open(trigger_id=body["trigger_id"], view=import_modal())
            await ack()
            return
        await ack()

        async def say(text: str) -> None:
            await respond(text=text, response_type="ephemeral")

        await guarded(say, run(slack, body, respond), "/grill")

    @app.view(IMPORT_FORM)
    async def import_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        work = import_pack(slack, body, view)
        await slack.answer_submission(ack, view, IMPORT_TITLE, "Checking the pack…", work, "/grill import")


async def run(slack: SlackContext, body: dict[str, Any], respond: Any) -> None:
    user = str(body["user_id"])
    if not await slack.is_admin(user):
        raise InvalidInput(NOT_ADMIN)
    space = space_ref(str(body["team_id"]))
    command = commands.split(body.get("text", ""))
    grill, jobs = slack.services.grill, slack.jobs

    async def reply(text: str) -> None:
        """An admin command's reply, led by the fault that needs them, if any."""
        settings = await slack.services.spaces.settings(space)
        if settings.fault:
            text = f"{render.fault_warning(settings.fault)}\n\n{text}"
        await respond(text=render.clip(text, render.SECTION_MAX), response_type="ephemeral")

    async def show(settings: GuildSettings, note: str = "") -> None:
        nxt = await grill.next_post(space) if settings.channel_ref else None
        blocks = render.settings_blocks(settings, nxt)
        if note:
            blocks.insert(0, render.section(note))
        await respond(blocks=blocks, text=note or "Daily grill settings", response_type="ephemeral")

    if command.name == "setup":
        args = commands.setup_args(command.args)
        await check_membership(slack, args.channel)
        settings = await grill.setup(space, args.channel, args.time, args.timezone, args.days, args.blind)
        await jobs.reschedule(space)
        await show(settings, f"Daily grill set for <#{args.channel}>.")
    elif command.name == "timing":
        changes = commands.timing_changes(command.args)
        settings = await grill.update(space, **changes)
        await show(settings, admin_replies.TIMING_CHANGED if changes else admin_replies.TIMING_UNCHANGED)
    elif command.name in ("pause", "resume"):
        paused = command.name == "pause"
        await grill.set_paused(space, paused)
        await jobs.reschedule(space)
        if paused:
            await reply(admin_replies.PAUSED)
        else:
            nxt = await grill.next_post(space)
            await reply(admin_replies.resumed(render.slack_date(nxt) if nxt else None))
    elif command.name == "post":
        rnd = await grill.post_now(space)
        jobs.wake_soon()
        where = split_message_ref(rnd.message_ref or "")
        await reply(f"Posted in <#{where[0]}>: answers go in its thread." if where else "Posted.")
    elif command.name == "close":
        report = await grill.close_open_round(space)
        jobs.wake_soon()
        await reply(admin_replies.closed(report, "the round's thread"))
    elif command.name == "skip":
        day = await grill.skip(space, commands.skip_date(command.args))
        await reply(admin_replies.skipped(day))
    elif command.name == "settings":
        settings = await slack.services.spaces.settings(space)
        if settings.fault and await grill.retry_now(space):
            await jobs.wake()
            settings = await slack.services.spaces.settings(space)
        await show(settings)
    elif command.name == "export":
        data = await slack.services.privacy.export_space(space)
        channel = await send_file(slack, user, "grillbot-workspace.json", data, "This workspace's grill data:")
        await reply(f"Sent: the workspace's grill data is in <#{channel}> (your messages with me).")


async def check_membership(slack: SlackContext, channel: str) -> None:
    """The bot must be in the grill channel to post there (Slack has no permission to grant instead)."""
    try:
        info = await slack.client.conversations_info(channel=channel)
    except SlackApiError as error:
        if slack_error(error) in ("channel_not_found", "not_in_channel"):
            raise not_in_channel(channel) from error
        raise
    if not (info.get("channel") or {}).get("is_member"):
        raise not_in_channel(channel)


def import_modal() -> dict[str, Any]:
    field = {"type": "file_input", "action_id": "file", "filetypes": ["yaml", "yml"], "max_files": 1}
    block = {
        "type": "input",
        "block_id": "pack",
        "label": render.plain("Question pack (YAML)"),
        "hint": render.plain("A pack in grillbot's format (README: Packs); up to 1 MiB. Only this workspace sees it."),
        "element": field,
    }
    return render.modal(IMPORT_FORM, IMPORT_TITLE, [block], submit="Import")


async def import_pack(slack: SlackContext, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    user = str(body["user"]["id"])
    if not await slack.is_admin(user):
        raise InvalidInput(NOT_ADMIN)
    files = ((view.get("state", {}).get("values", {}).get("pack") or {}).get("file") or {}).get("files") or []
    if not files:
        raise InvalidInput("No file came with the form. Run /grill import again and choose a .yaml pack.")
    file = files[0]
    filename = str(file.get("name") or "pack.yaml")
    if int(file.get("size") or 0) > MAX_PACK_BYTES:
        raise InvalidInput(f"{filename} is {file.get('size')} bytes; a pack may be at most 1 MiB. Split it.")
    data = await download(slack, str(file.get("url_private_download") or file.get("url_private") or ""))
    space = space_ref(str(body["team"]["id"]))
    receipt = await slack.services.library.import_pack(space, member_ref(user), filename, data)
    types = slack.services.bank.types
    title = f"*{render.escape(receipt.pack.title)}*"
    platform = slack.services.platforms.of(space)
    text = admin_replies.imported(receipt, title, lambda t: render.type_name(types.get(t), t), platform)
    return render.notice(IMPORT_TITLE, text)


async def download(slack: SlackContext, url: str) -> bytes:
    """A file a member uploaded (its private URL needs the bot token), at most 1 MiB read."""
    if not url:
        raise InvalidInput("Slack sent the file without a link to read it. Run /grill import again.")
    headers = {"Authorization": f"Bearer {slack.client.token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        if response.status != 200:
            raise InvalidInput(
                f"I couldn't read the file from Slack (HTTP {response.status}). Run /grill import again."
            )
        data = await response.content.read(MAX_PACK_BYTES + 1)
    if len(data) > MAX_PACK_BYTES:
        raise InvalidInput("The pack is over 1 MiB. Split it into smaller packs.")
    return data
