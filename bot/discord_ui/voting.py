"""The round's buttons, the answer picker and the forms: persistent across restarts.

Every component is a `DynamicItem` whose custom_id carries only ids (`gb:<kind>:<round_id>`, far
under Discord's 100 characters); state is read from the database after the first response.
Forms open as the first response, from the in-memory rubric cache, before any database call.

Ids in custom ids are untrusted: anyone can send any custom id. The templates take any text
where an id goes, so a malformed id reaches the same refusal as a dangling one instead of being
dropped; the core checks every id against the caller's server (and member where it is personal).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import ui

from bot.core.errors import DomainError
from bot.core.ids import row_id
from bot.core.services.rating import AnswerChoices, vote_reply
from bot.core.services.rounds import AnswerOutcome
from bot.discord_ui import render
from bot.discord_ui.errors import deferred
from bot.discord_ui.modals import answer_modal, rubric_modal, rubric_scores
from bot.discord_ui.refs import member_ref, space_ref

if TYPE_CHECKING:
    from bot.discord_ui.client import GrillBot

PICK_LIMIT = 25  # a select holds at most 25 options
ID = "[^:]+"  # where an id goes in a template: any text, checked by the core


def grill_bot(interaction: discord.Interaction) -> GrillBot:
    return interaction.client  # type: ignore[return-value]


def caller_space(interaction: discord.Interaction) -> str:
    """The caller's space; outside a server, a space no round or drill belongs to."""
    return space_ref(interaction.guild_id) if interaction.guild_id is not None else ""


def round_view(round_id: int, blind: bool, hint_for: str | None = None) -> ui.View:
    """The post's buttons; `hint_for` is the id of the question when it has a hint to offer."""
    view = ui.View(timeout=None)
    if blind:
        view.add_item(AnswerButton(round_id))
        view.add_item(ReadAnswersButton(round_id))
    view.add_item(VoteButton(round_id))
    if hint_for:
        view.add_item(HintButton(hint_for))
    return view


def closed_view() -> ui.View:
    view = ui.View(timeout=None)
    view.add_item(ui.Button(label="Closed: results in the thread", style=discord.ButtonStyle.secondary, disabled=True))
    return view


class VoteButton(ui.DynamicItem[ui.Button], template=f"gb:vote:(?P<round_id>{ID})"):
    def __init__(self, round_id: int) -> None:
        super().__init__(
            ui.Button(label="Vote", emoji="🗳️", style=discord.ButtonStyle.primary, custom_id=f"gb:vote:{round_id}")
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(row_id(match["round_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Defer, then offer the answers this member may rate, fewest votes first."""
        await deferred(interaction, _offer_answers(interaction, self.round_id))


async def _offer_answers(interaction: discord.Interaction, round_id: int) -> None:
    services = grill_bot(interaction).services
    offer = await services.rating.answers_to_rate(
        caller_space(interaction), round_id, member_ref(interaction.user.id), PICK_LIMIT
    )
    view = ui.View(timeout=None)
    view.add_item(AnswerPicker(round_id, offer))
    more = f" Showing the {PICK_LIMIT} with the fewest votes." if offer.left_out else ""
    await interaction.followup.send(f"Pick an answer to rate.{more}", view=view, ephemeral=True)


class AnswerPicker(ui.DynamicItem[ui.Select], template=f"gb:pick:(?P<round_id>{ID})"):
    def __init__(self, round_id: int, offer: AnswerChoices | None = None) -> None:
        options = [
            discord.SelectOption(
                label=render.clip(choice.name, 100),
                value=str(choice.answer.id),
                description=render.clip(f"{choice.votes} votes · {choice.answer.body}", 100),
            )
            for choice in (offer.choices if offer else ())
        ] or [discord.SelectOption(label="no answers", value="0")]
        super().__init__(ui.Select(custom_id=f"gb:pick:{round_id}", placeholder="Choose an answer", options=options))
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> AnswerPicker:
        return cls(row_id(match["round_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the rubric form at once (first response): the rubric comes from the cache.
        Whose answer it is, and in which server, is checked by the core on submit."""
        bot = grill_bot(interaction)
        values = self.item.values
        try:
            form = bot.services.rating.form_for_pick(
                bot.round_cache, caller_space(interaction), self.round_id, values[0] if values else None
            )
        except DomainError as refusal:
            await interaction.response.send_message(refusal.message, ephemeral=True)
            return
        await interaction.response.send_modal(rubric_modal(f"gb:rate:{form.round_id}:{form.answer_id}", form.criteria))


class AnswerButton(ui.DynamicItem[ui.Button], template=f"gb:answer:(?P<round_id>{ID})"):
    def __init__(self, round_id: int) -> None:
        super().__init__(
            ui.Button(label="Answer", emoji="✍️", style=discord.ButtonStyle.success, custom_id=f"gb:answer:{round_id}")
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> AnswerButton:
        return cls(row_id(match["round_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the answer form at once, from the cache; the core checks the round again on submit."""
        bot = grill_bot(interaction)
        try:
            bot.services.grill.answer_form(bot.round_cache, caller_space(interaction), self.round_id)
        except DomainError as refusal:
            await interaction.response.send_message(refusal.message, ephemeral=True)
            return
        hint = "Your latest submission before answers close counts."
        await interaction.response.send_modal(
            answer_modal(f"gb:form:{self.round_id}", "Your answer (hidden until reveal)", hint)
        )


class ReadAnswersButton(ui.DynamicItem[ui.Button], template=f"gb:peek:(?P<round_id>{ID})"):
    def __init__(self, round_id: int) -> None:
        super().__init__(
            ui.Button(
                label="Read answers", emoji="👀", style=discord.ButtonStyle.secondary, custom_id=f"gb:peek:{round_id}"
            )
        )
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> ReadAnswersButton:
        return cls(row_id(match["round_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await deferred(interaction, self._show(interaction))

    async def _show(self, interaction: discord.Interaction) -> None:
        services = grill_bot(interaction).services
        answers = await services.grill.peek_answers(
            caller_space(interaction), self.round_id, member_ref(interaction.user.id)
        )
        embeds = render.answers_for_reading([(n, a.body) for a, n in answers])
        text = "Nobody has answered yet." if not embeds else f"{len(answers)} answer(s) so far:"
        await interaction.followup.send(text, embeds=embeds, ephemeral=True)


class HintButton(ui.DynamicItem[ui.Button], template=r"gb:hint:(?P<qid>[a-z0-9-]{1,64})"):
    """The question's hint, privately, on request: on the daily post and on a drill question."""

    def __init__(self, question_id: str) -> None:
        super().__init__(
            ui.Button(label="Hint", emoji="💡", style=discord.ButtonStyle.secondary, custom_id=f"gb:hint:{question_id}")
        )
        self.question_id = question_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: ui.Item[Any], match: re.Match[str], /
    ) -> HintButton:
        return cls(match["qid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """Answered at once from the in-memory bank; a question of another server's pack is not shown."""
        try:
            hint = grill_bot(interaction).services.drills.hint(caller_space(interaction), self.question_id)
        except DomainError as refused:
            text = refused.message
        else:
            text = render.clip(f"💡 Hint: {hint}", render.CONTENT_MAX)
        await interaction.response.send_message(text, ephemeral=True)


# --- form submissions (routed by custom_id, see modals.ModalRouter) ---------------------------


async def submit_rating(interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]) -> None:
    """`gb:rate:<round>:<answer>` (picked from the list) or `gb:ratemsg:<round>:<message>` (context menu)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = grill_bot(interaction).services
    by_message = match["kind"] == "ratemsg"
    rated = await services.rating.rate(
        caller_space(interaction),
        row_id(match["round_id"]),
        member_ref(interaction.user.id),
        getattr(interaction.user, "display_name", interaction.user.name),
        rubric_scores(values),
        answer_id=None if by_message else row_id(match["target"]),
        message_ref=match["target"] if by_message else None,
    )
    await interaction.followup.send(vote_reply(render.name(rated.author_name), rated.receipt), ephemeral=True)


async def submit_answer_form(interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = grill_bot(interaction).services
    receipt = await services.grill.submit_form_answer(
        caller_space(interaction),
        row_id(match["round_id"]),
        member_ref(interaction.user.id),
        getattr(interaction.user, "display_name", interaction.user.name),
        str(values.get("answer") or ""),
    )
    verb = "saved" if receipt.outcome is AnswerOutcome.CREATED else "updated"
    length = len(receipt.answer.body) if receipt.answer else 0
    await interaction.followup.send(
        f"Your answer is {verb} ({length} characters). It stays hidden until answers close; "
        "you can submit again to replace it.",
        ephemeral=True,
    )


DYNAMIC_ITEMS = (VoteButton, AnswerPicker, AnswerButton, ReadAnswersButton)  # keyed by round id
QUESTION_ITEMS = (HintButton,)  # keyed by question id
RATING_FORM = f"gb:(?P<kind>rate|ratemsg):(?P<round_id>{ID}):(?P<target>{ID})"
ANSWER_FORM = f"gb:form:(?P<round_id>{ID})"
