"""Private practice: /drill with self-scoring and spaced repetition, /classify, /framework, /stats.

A drill answer is stored the moment it is submitted, before anything is shown, and its id rides
in the "Score yourself" and "Share" buttons, so a restart between steps loses nothing. Every id
in a custom id is checked by the core: questions against the caller's server, stored drills
against the caller's server and member.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import discord
from discord import app_commands, ui
from discord.ext import commands

from bot.core.content import Bank
from bot.core.errors import NotFound
from bot.core.ids import row_id
from bot.core.models import TYPE_IDS, Question
from bot.discord_ui import render
from bot.discord_ui.client import GrillBot
from bot.discord_ui.errors import deferred, report
from bot.discord_ui.modals import answer_modal, rubric_modal, rubric_scores
from bot.discord_ui.refs import member_ref, space_ref
from bot.discord_ui.voting import ID, HintButton, caller_space, grill_bot

TYPE_CHOICES: list[app_commands.Choice[str]] = [
    app_commands.Choice(name=render.type_name(t), value=t) for t in TYPE_IDS
]
ANSWER_TITLE = "Your answer"
DRILL_ANSWER_FORM = f"gb:drillans:(?P<qid>{ID})"
DRILL_SCORE_FORM = f"gb:drillrate:(?P<drill>{ID})"


def the_question(interaction: discord.Interaction, question_id: str) -> Question:
    question = grill_bot(interaction).services.bank.questions.get(question_id)
    if question is None or interaction.guild_id is None or not question.visible_in(space_ref(interaction.guild_id)):
        raise NotFound("That question is no longer in the bank (its pack changed). Run /drill for a new one.")
    return question


class DrillAnswerButton(ui.DynamicItem[ui.Button], template=f"gb:drill:(?P<qid>{ID})"):
    def __init__(self, question_id: str) -> None:
        super().__init__(
            ui.Button(label="Answer", emoji="✍️", style=discord.ButtonStyle.success, custom_id=f"gb:drill:{question_id}")
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> DrillAnswerButton:
        return cls(match["qid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            question = the_question(interaction, self.question_id)
        except NotFound as error:
            await report(interaction, error)
            return
        hint = "Answer in the shape of the question's type. Up to 4000 characters."
        await interaction.response.send_modal(answer_modal(f"gb:drillans:{question.id}", ANSWER_TITLE, hint))


class SelfScoreButton(ui.DynamicItem[ui.Button], template=f"gb:drillscore:(?P<drill>{ID}):(?P<qid>{ID})"):
    """Score a stored drill answer. The question id rides along so the rubric form opens at once,
    before any database call; whose drill it is gets checked by the core on submit."""

    def __init__(self, drill_id: int, question_id: str) -> None:
        super().__init__(
            ui.Button(
                label="Score yourself",
                emoji="🎯",
                style=discord.ButtonStyle.primary,
                custom_id=f"gb:drillscore:{drill_id}:{question_id}",
            )
        )
        self.drill_id = drill_id
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> SelfScoreButton:
        return cls(row_id(match["drill"]), match["qid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            question = the_question(interaction, self.question_id)
        except NotFound as error:
            await report(interaction, error)
            return
        criteria = grill_bot(interaction).services.bank.criteria_for(question)
        await interaction.response.send_modal(
            rubric_modal(f"gb:drillrate:{self.drill_id}", criteria, "Score your answer")
        )


class ShareButton(ui.DynamicItem[ui.Button], template=f"gb:share:(?P<drill>{ID})"):
    """Post a stored drill answer to the grill channel, as its own round for peer votes (once)."""

    def __init__(self, drill_id: int) -> None:
        super().__init__(
            ui.Button(
                label="Share for peer votes",
                emoji="📣",
                style=discord.ButtonStyle.secondary,
                custom_id=f"gb:share:{drill_id}",
            )
        )
        self.drill_id = drill_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ShareButton:
        return cls(row_id(match["drill"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await deferred(interaction, self._share(interaction))

    async def _share(self, interaction: discord.Interaction) -> None:
        bot = grill_bot(interaction)
        rnd = await bot.services.drills.share(
            caller_space(interaction),
            member_ref(interaction.user.id),
            getattr(interaction.user, "display_name", interaction.user.name),
            self.drill_id,
        )
        bot.jobs.wake_soon()
        await interaction.followup.send(f"Shared for peer votes for 24 hours: <#{rnd.thread_ref}>", ephemeral=True)


class ClassifyButton(ui.DynamicItem[ui.Button], template=f"gb:cls:(?P<qid>{ID}):(?P<type>{ID})"):
    def __init__(self, question_id: str, type_id: str) -> None:
        super().__init__(
            ui.Button(
                label=render.type_name(type_id),
                style=discord.ButtonStyle.secondary,
                custom_id=f"gb:cls:{question_id}:{type_id}",
            )
        )
        self.question_id = question_id
        self.type_id = type_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ClassifyButton:
        return cls(match["qid"], match["type"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await deferred(interaction, self._check(interaction))

    async def _check(self, interaction: discord.Interaction) -> None:
        result = await grill_bot(interaction).services.drills.classify(
            caller_space(interaction), member_ref(interaction.user.id), self.question_id, self.type_id
        )
        mark = "✅" if result.correct else "❌"
        accuracy = result.accuracy
        await interaction.followup.send(
            f"{mark} {result.reason}\nYour accuracy: {accuracy.correct}/{accuracy.attempts}. "
            "Run /classify for another.",
            ephemeral=True,
        )


def drill_message(question: Question, bank: Bank) -> dict[str, Any]:
    """The private drill question: its embed, an Answer button, and a Hint button when it has a hint."""
    view = ui.View(timeout=None)
    view.add_item(DrillAnswerButton(question.id))
    if question.hint:
        view.add_item(HintButton(question.id))
    return {"embed": render.question_embed("Drill", question, bank.types.get(question.type)), "view": view}


def classify_view(question_id: str) -> ui.View:
    view = ui.View(timeout=None)
    for type_id in TYPE_IDS:
        view.add_item(ClassifyButton(question_id, type_id))
    return view


async def submit_drill_answer(interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]) -> None:
    """Step 2: store the answer, then show it beside the key points, with buttons to score or share it."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = grill_bot(interaction).services
    drill = await services.drills.answer(
        caller_space(interaction), member_ref(interaction.user.id), match["qid"], str(values.get("answer") or "")
    )
    question = services.bank.questions[drill.question_id]
    embeds, more = render.drill_feedback(drill.answer, question.key_points, question.follow_ups, question.long_form)
    view = ui.View(timeout=None)
    view.add_item(SelfScoreButton(drill.id, question.id))
    view.add_item(ShareButton(drill.id))
    await interaction.followup.send(
        "Compare your answer with the key points, then score yourself honestly: weak answers come back sooner. "
        "Share it to have the group score it too.",
        embeds=embeds,
        view=view,
        ephemeral=True,
    )
    for text in more:
        await interaction.followup.send(text, ephemeral=True)


async def submit_drill_score(interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]) -> None:
    """Step 3: record the attempt on the stored answer and reschedule the card."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = grill_bot(interaction).services
    space, member = caller_space(interaction), member_ref(interaction.user.id)
    receipt = await services.drills.score(space, member, row_id(match["drill"]), rubric_scores(values))
    points = sum(receipt.scores.values())
    due = await services.drills.due_count(space, member)
    await interaction.followup.send(
        f"Self-score {points}/{2 * len(receipt.criteria)} ({receipt.rating}). This question comes back "
        f"{discord.utils.format_dt(receipt.due_at, 'R')}. Cards due now: {due}. Run /drill for the next one.",
        ephemeral=True,
    )


class Drills(commands.Cog):
    def __init__(self, bot: GrillBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(DrillAnswerButton, SelfScoreButton, ShareButton, ClassifyButton)
        self.bot.modal_router.add(DRILL_ANSWER_FORM, submit_drill_answer)
        self.bot.modal_router.add(DRILL_SCORE_FORM, submit_drill_score)

    @app_commands.command(name="drill", description="A private practice question; weak ones come back sooner")
    @app_commands.guild_only()
    @app_commands.describe(
        type="Question type",
        topic="A topic from the bank",
        difficulty="1 easy, 2 medium, 3 hard",
        question="A question id, such as a long form named in results (the other filters are ignored)",
    )
    @app_commands.choices(type=TYPE_CHOICES)
    async def drill(
        self,
        interaction: discord.Interaction,
        type: app_commands.Choice[str] | None = None,
        topic: str | None = None,
        difficulty: app_commands.Range[int, 1, 3] | None = None,
        question: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        space = space_ref(interaction.guild_id)
        drills = self.bot.services.drills
        if question:
            chosen = drills.question(space, question)
        else:
            chosen = await drills.next_drill(
                space, member_ref(interaction.user.id), type.value if type else None, topic, difficulty
            )
        await interaction.followup.send(**drill_message(chosen, self.bot.services.bank), ephemeral=True)

    @drill.autocomplete("topic")
    async def topic_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        suggestions = self.bot.services.drills.topic_suggestions(caller_space(interaction), current)
        return [app_commands.Choice(name=t, value=t) for t in suggestions][:25]

    @app_commands.command(name="classify", description="Practise recognising which type a question is")
    @app_commands.guild_only()
    async def classify(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        question = await self.bot.services.drills.classify_question(
            space_ref(interaction.guild_id), member_ref(interaction.user.id)
        )
        embed = discord.Embed(
            title="Which type of question is this?",
            description=render.clip(question.prompt, render.DESCRIPTION_MAX),
            colour=render.COLOUR,
        )
        await interaction.followup.send(embed=embed, view=classify_view(question.id), ephemeral=True)

    @app_commands.command(name="framework", description="A question type's answer shape, rubric and failure modes")
    @app_commands.choices(type=TYPE_CHOICES)
    async def framework(self, interaction: discord.Interaction, type: app_commands.Choice[str]) -> None:
        qtype = self.bot.services.bank.types[type.value]
        await interaction.response.send_message(embed=render.framework_embed(qtype), ephemeral=True)

    @app_commands.command(name="stats", description="Your (or a member's) scores per type, streak and practice")
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        target = member or interaction.user
        stats = await self.bot.services.stats.member_stats(
            space_ref(interaction.guild_id), member_ref(target.id), viewer_id=member_ref(interaction.user.id)
        )
        stats = replace(stats, display_name=target.display_name)  # the freshest name is Discord's own
        chart = await self.bot.charts.render(stats)
        await interaction.followup.send(
            embed=stats_embed(target.display_name, stats).set_image(url="attachment://stats.png"),
            file=discord.File(io.BytesIO(chart), "stats.png"),
            ephemeral=True,
        )


def stats_embed(display_name: str, stats: Any) -> discord.Embed:
    standing = stats.standing
    embed = discord.Embed(title=render.clip(f"{display_name}: practice stats", render.TITLE_MAX), colour=render.COLOUR)
    lines = []
    for t in stats.per_type:
        rating = f"{t.rating:.0f}" if t.rating is not None else "–"
        lines.append(f"**{t.name}**: {t.points:.1f} pts · rating {rating} · {t.answers} answers · {t.drills} drills")
    embed.description = render.clip("\n".join(lines), render.DESCRIPTION_MAX)
    embed.add_field(name="Points", value=f"{standing.overall_points:.1f}")
    embed.add_field(name="Votes given", value=str(standing.votes_cast))
    embed.add_field(name="Streak", value=f"{standing.streak} (best {standing.best_streak})")
    accuracy = stats.classify
    embed.add_field(name="Classify", value=f"{accuracy.correct}/{accuracy.attempts}" if accuracy.attempts else "–")
    embed.add_field(name="Drill cards due", value=str(stats.cards_due))
    return embed


async def setup(bot: GrillBot) -> None:
    await bot.add_cog(Drills(bot))
