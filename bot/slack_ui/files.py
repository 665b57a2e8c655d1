"""Files to one member: the bot's direct message with them (an ephemeral message can't carry a file).

`files_upload_v2` is three calls: files.getUploadURLExternal, a POST of the bytes to the URL it
returns, then files.completeUploadExternal sharing the file into the DM (`files.upload` is gone).
"""

from __future__ import annotations

from bot.slack_ui.context import SlackContext


async def dm_channel(slack: SlackContext, user: str) -> str:
    opened = await slack.client.conversations_open(users=user)
    return str((opened.get("channel") or {})["id"])


async def send_file(slack: SlackContext, user: str, filename: str, data: bytes, comment: str) -> str:
    """Upload `data` into the member's DM with the bot; the DM's channel id (to point them at it)."""
    channel = await dm_channel(slack, user)
    await slack.client.files_upload_v2(channel=channel, file=data, filename=filename, initial_comment=comment)
    return channel
