"""One place that turns errors into what a member sees: commands, buttons, selects and forms alike."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable

import discord
from discord import app_commands

from bot.core.errors import DomainError

log = logging.getLogger(__name__)

MESSAGE_MAX = 2000


def user_text(error: BaseException) -> str | None:
    """The member-facing sentence for an expected error, or None for a bug."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, app_commands.MissingPermissions):
        return "This needs the Manage Server permission."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "Use this command in a server."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this here."
    if isinstance(error, discord.Forbidden):
        return (
            "Discord refused that: I'm missing a permission here (I need View Channel, Send Messages, "
            "Embed Links, Create Public Threads, Send Messages in Threads, Manage Threads, Read Message History)."
        )
    return None


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the member privately; log unexpected errors with a short reference they can quote."""
    text = user_text(error)
    if text is None:
        ref = secrets.token_hex(3)
        log.error("unexpected error [ref %s] in %s", ref, _describe(interaction), exc_info=error)
        text = f"Something went wrong on my side (ref `{ref}`). Nothing you did was lost; try again in a moment."
    if len(text) > MESSAGE_MAX:  # Discord refuses longer content
        text = text[: MESSAGE_MAX - 1] + "…"
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for %s", _describe(interaction))


async def deferred(interaction: discord.Interaction, work: Awaitable[None]) -> None:
    """Acknowledge privately at once (Discord's 3 s), then do the work; any error reaches the member."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        await work
    except Exception as error:
        await report(interaction, error)


def _describe(interaction: discord.Interaction) -> str:
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
    return f"guild={interaction.guild_id} user={interaction.user.id} command={command} custom_id={custom_id}"


class GrillTree(app_commands.CommandTree):
    """The command tree with one error path for every app command."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await report(interaction, error)
