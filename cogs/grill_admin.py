"""/grill setup|pause|resume|post|close|skip|timing|settings: the admin side of the daily grill.

Manage Server is required twice: as the commands' default permission (Discord hides them from
others) and by `interaction_check` here, because server admins can override default permissions.
"""

from __future__ import annotations

import io
import logging
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import admin_replies
from bot.core.content import MAX_PACK_BYTES
from bot.core.errors import InvalidInput
from bot.core.models import GuildSettings
from bot.discord_ui import render
from bot.discord_ui.client import GrillBot
from bot.discord_ui.refs import member_ref, space_ref

BOT_CHANNEL_PERMISSIONS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "manage_threads": "Manage Threads",
    "read_message_history": "Read Message History",
}
ZONES = sorted(available_timezones())
log = logging.getLogger(__name__)


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    return [label for flag, label in BOT_CHANNEL_PERMISSIONS.items() if not getattr(permissions, flag)]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class GrillAdmin(commands.GroupCog, group_name="grill", group_description="Run the daily grill (Manage Server)"):
    def __init__(self, bot: GrillBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    def _space(self, interaction: discord.Interaction) -> str:
        assert interaction.guild_id is not None
        return space_ref(interaction.guild_id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: pause its grill so no job keeps failing there; /grill resume restarts it."""
        space = space_ref(guild.id)
        if await self.bot.services.grill.left_space(space):
            await self.bot.jobs.reschedule(space)
            log.info("removed from %s: its daily grill is paused", space)

    @app_commands.command(name="setup", description="Choose the channel, local time, time zone and days")
    @app_commands.describe(
        channel="Where questions are posted (a text channel)",
        time="Local post time, 24-hour HH:MM, e.g. 09:00",
        timezone="IANA time zone, e.g. Europe/Paris or America/New_York",
        days="daily, weekdays, mon-fri, or a list like mon,wed,fri",
        blind="Blind mode: answer through a form, hidden until the answer window ends",
    )
    async def setup_grill(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        days: str = "daily",
        blind: bool | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        me = channel.guild.me
        missing = missing_permissions(channel.permissions_for(me)) if me else []
        if missing:
            raise InvalidInput(
                f"I can't run the grill in {channel.mention} yet: I'm missing {', '.join(missing)} there. "
                "Grant them to my role (channel settings > Permissions), then run /grill setup again."
            )
        space = self._space(interaction)
        settings = await self.bot.services.grill.setup(space, str(channel.id), time, timezone, days, blind)
        await self.bot.jobs.reschedule(space)
        await self._show_settings(interaction, settings, f"Daily grill set for {channel.mention}.")

    @setup_grill.autocomplete("timezone")
    async def zone_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.lower().replace(" ", "_")
        return [app_commands.Choice(name=z, value=z) for z in ZONES if wanted in z.lower()][:25]

    @app_commands.command(name="timing", description="Answer window, close time and reminder (minutes)")
    @app_commands.describe(
        answer_minutes="Minutes answers stay open after the post (0: until the round closes)",
        close_before_next="Close this many minutes before the next post (default 120)",
        reminder_before_close="Post the vote reminder this many minutes before close (default 180)",
    )
    async def timing(
        self,
        interaction: discord.Interaction,
        answer_minutes: app_commands.Range[int, 0, 10080] | None = None,
        close_before_next: app_commands.Range[int, 0, 1440] | None = None,
        reminder_before_close: app_commands.Range[int, 0, 1440] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        space = self._space(interaction)
        changes: dict[str, object] = {}
        if answer_minutes is not None:
            changes["answer_window_minutes"] = answer_minutes or None
        if close_before_next is not None:
            changes["close_before_next_minutes"] = close_before_next
        if reminder_before_close is not None:
            changes["reminder_before_close_minutes"] = reminder_before_close
        settings = await self.bot.services.grill.update(space, **changes)
        note = admin_replies.TIMING_CHANGED if changes else admin_replies.TIMING_UNCHANGED
        await self._show_settings(interaction, settings, note)

    @app_commands.command(name="pause", description="Stop posting until /grill resume")
    async def pause(self, interaction: discord.Interaction) -> None:
        await self._set_paused(interaction, True)

    @app_commands.command(name="resume", description="Start posting again")
    async def resume(self, interaction: discord.Interaction) -> None:
        await self._set_paused(interaction, False)

    async def _set_paused(self, interaction: discord.Interaction, paused: bool) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        space = self._space(interaction)
        await self.bot.services.grill.set_paused(space, paused)
        await self.bot.jobs.reschedule(space)
        if paused:
            text = admin_replies.PAUSED
        else:
            nxt = await self.bot.services.grill.next_post(space)
            text = admin_replies.resumed(discord.utils.format_dt(nxt, "F") if nxt else None)
        await self._reply(interaction, text)

    @app_commands.command(name="post", description="Post today's question now")
    async def post(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        rnd = await self.bot.services.grill.post_now(self._space(interaction))
        self.bot.jobs.wake_soon()
        await self._reply(interaction, f"Posted: <#{rnd.thread_ref}>")

    @app_commands.command(name="close", description="Close the open round now and post its results")
    async def close(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await self.bot.services.grill.close_open_round(self._space(interaction))
        self.bot.jobs.wake_soon()
        thread = report.results.round.thread_ref
        await self._reply(interaction, admin_replies.closed(report, f"<#{thread}>" if thread else "the channel"))

    @app_commands.command(name="skip", description="Skip a date (holidays)")
    @app_commands.describe(date="The local date to skip, YYYY-MM-DD")
    async def skip(self, interaction: discord.Interaction, date: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        day = await self.bot.services.grill.skip(self._space(interaction), date)
        await self._reply(interaction, admin_replies.skipped(day))

    @app_commands.command(name="import", description="Add a question pack (YAML) for this server only")
    @app_commands.describe(pack="A pack file in grillbot's format (see the README); up to 1 MiB")
    async def import_pack(self, interaction: discord.Interaction, pack: discord.Attachment) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if pack.size > MAX_PACK_BYTES:
            raise InvalidInput(f"{pack.filename} is {pack.size} bytes; a pack may be at most 1 MiB. Split it.")
        data = await pack.read()
        space = self._space(interaction)
        receipt = await self.bot.services.library.import_pack(
            space, member_ref(interaction.user.id), pack.filename, data
        )
        platform = self.bot.services.platforms.of(space)
        text = admin_replies.imported(receipt, f"**{receipt.pack.title}**", render.type_name, platform)
        await self._reply(interaction, text)

    @app_commands.command(name="export", description="Download this server's grill data (JSON)")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.bot.services.privacy.export_space(self._space(interaction))
        await interaction.followup.send(file=discord.File(io.BytesIO(data), "grillbot-server.json"), ephemeral=True)

    @app_commands.command(name="settings", description="Show the daily grill settings")
    async def show(self, interaction: discord.Interaction) -> None:
        """Settings, with any fault an admin must fix; the space's retrying steps are tried again now."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        space = self._space(interaction)
        settings = await self.bot.services.spaces.settings(space)
        if settings.fault and await self.bot.services.grill.retry_now(space):
            await self.bot.jobs.wake()
            settings = await self.bot.services.spaces.settings(space)
        await self._show_settings(interaction, settings)

    async def _show_settings(
        self, interaction: discord.Interaction, settings: GuildSettings, note: str | None = None
    ) -> None:
        nxt = await self.bot.services.grill.next_post(settings.space_id) if settings.channel_ref else None
        content = note if note else discord.utils.MISSING
        await interaction.followup.send(content, embed=render.settings_embed(settings, nxt), ephemeral=True)

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        """An admin command's reply, led by the fault that needs them, if any (shown until a step succeeds)."""
        settings = await self.bot.services.spaces.settings(self._space(interaction))
        if settings.fault:
            text = f"{render.fault_warning(settings.fault)}\n\n{text}"
        await interaction.followup.send(render.clip(text, render.CONTENT_MAX), ephemeral=True)


async def setup(bot: GrillBot) -> None:
    await bot.add_cog(GrillAdmin(bot))
