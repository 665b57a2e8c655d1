"""/leaderboard and /me: standings per question type and period, and members' own choices."""

from __future__ import annotations

import io
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.models import TYPE_IDS, BoardView, Period
from bot.discord_ui import render
from bot.discord_ui.client import GrillBot
from bot.discord_ui.refs import member_ref, space_ref

TYPE_CHOICES = [app_commands.Choice(name=render.type_name(t), value=t) for t in TYPE_IDS]


class Boards(commands.Cog):
    def __init__(self, bot: GrillBot) -> None:
        self.bot = bot

    @app_commands.command(name="leaderboard", description="Standings per question type and period")
    @app_commands.guild_only()
    @app_commands.describe(
        type="A question type (default: overall)",
        period="week, month or all time (default: week)",
        view="points (default) or rating (mean score, 3+ scored answers)",
    )
    @app_commands.choices(type=TYPE_CHOICES)
    async def leaderboard(
        self,
        interaction: discord.Interaction,
        type: app_commands.Choice[str] | None = None,
        period: Literal["week", "month", "all"] = "week",
        view: Literal["points", "rating"] = "points",
    ) -> None:
        await interaction.response.defer(thinking=True)
        assert interaction.guild_id is not None
        board = await self.bot.services.boards.leaderboard(
            space_ref(interaction.guild_id),
            type.value if type else None,
            Period(period),
            BoardView(view),
            caller_id=member_ref(interaction.user.id),
        )
        await interaction.followup.send(embed=render.leaderboard_embed(board))

    me = app_commands.Group(name="me", description="Your own grillbot settings", guild_only=True)

    @me.command(name="hide", description="Leave the leaderboards (your /stats still work)")
    async def hide(self, interaction: discord.Interaction) -> None:
        await self._set_hidden(interaction, True)

    @me.command(name="show", description="Appear on the leaderboards again")
    async def show(self, interaction: discord.Interaction) -> None:
        await self._set_hidden(interaction, False)

    @me.command(name="export", description="Download everything grillbot stores about you here (JSON)")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        data = await self.bot.services.privacy.export_member(
            space_ref(interaction.guild_id), member_ref(interaction.user.id)
        )
        await interaction.followup.send(
            "Your data on this server:", file=discord.File(io.BytesIO(data), "grillbot-me.json"), ephemeral=True
        )

    @me.command(name="forget", description="Delete your answers, votes, drills and scores on this server")
    @app_commands.describe(confirm="Type DELETE to confirm: this cannot be undone")
    async def forget(self, interaction: discord.Interaction, confirm: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if confirm.strip() != "DELETE":
            await interaction.followup.send(
                "Nothing deleted. Run `/me forget confirm:DELETE` to delete.", ephemeral=True
            )
            return
        assert interaction.guild_id is not None
        removed = await self.bot.services.privacy.forget_member(
            space_ref(interaction.guild_id), member_ref(interaction.user.id)
        )
        await interaction.followup.send(
            f"Done: {removed} record(s) deleted. Results already posted in threads are not edited.", ephemeral=True
        )

    async def _set_hidden(self, interaction: discord.Interaction, hidden: bool) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        await self.bot.services.spaces.set_hidden(
            space_ref(interaction.guild_id), member_ref(interaction.user.id), hidden
        )
        text = "You're off the leaderboards here." if hidden else "You're back on the leaderboards."
        await interaction.followup.send(text, ephemeral=True)


async def setup(bot: GrillBot) -> None:
    await bot.add_cog(Boards(bot))
