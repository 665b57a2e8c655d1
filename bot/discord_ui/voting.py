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

from bot.core.errors import InvalidInput, RoundClosed
from bot.core.ids import names_a_row, row_id
from bot.core.services.rounds import NOT_BLIND_FORM, AnswerOutcome
from bot.core.services.votes import ANSWER_NOT_HERE, VOTING_NOT_YET
from bot.discord_ui import render
from bot.discord_ui.errors import deferred
from bot.discord_ui.modals import answer_modal, rubric_modal, rubric_scores
from bot.discord_ui.refs import member_ref, space_ref

if TYPE_CHECKING:
    from bot.discord_ui.client import GrillBot

PICK_LIMIT = 25  # a select holds at most 25 options
CLOSED_TEXT = "This round is closed: voting and answers are over. The results are in its thread."
NOT_OPEN_HERE = (
    "This round isn't open on this server: it has closed (its results are in its thread), or the button "
    "came from somewhere else. Use the buttons on this server's latest grill post."
)
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
    rnd = await services.grill.round_in(caller_space(interaction), round_id)
    if not rnd.accepts_votes(services.clock.now()):
        raise RoundClosed(CLOSED_TEXT)
    if rnd.blind and rnd.accepts_answers(services.clock.now()):
        raise InvalidInput(VOTING_NOT_YET)
    voter = member_ref(interaction.user.id)
    counts = await services.rounds.vote_counts(round_id)
    others = [(a, n) for a, n in await services.grill.named_answers(rnd) if a.member_id != voter]
    if not others:
        raise InvalidInput("There are no answers from others to rate yet. Check back later.")
    others.sort(key=lambda pair: (counts.get(pair[0].id, 0), pair[0].id))
    view = ui.View(timeout=None)
    view.add_item(AnswerPicker(round_id, others[:PICK_LIMIT], counts))
    more = f" Showing the {PICK_LIMIT} with the fewest votes." if len(others) > PICK_LIMIT else ""
    await interaction.followup.send(f"Pick an answer to rate.{more}", view=view, ephemeral=True)


class AnswerPicker(ui.DynamicItem[ui.Select], template=f"gb:pick:(?P<round_id>{ID})"):
    def __init__(
        self, round_id: int, answers: list[tuple[Any, str]] | None = None, counts: dict[int, int] | None = None
    ) -> None:
        options = [
            discord.SelectOption(
                label=render.clip(name, 100),
                value=str(answer.id),
                description=render.clip(f"{(counts or {}).get(answer.id, 0)} votes · {answer.body}", 100),
            )
            for answer, name in answers or []
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
        values = self.item.values
        cached = grill_bot(interaction).round_cache.get(self.round_id)
        if cached is None or cached.space_id != caller_space(interaction):
            await interaction.response.send_message(NOT_OPEN_HERE, ephemeral=True)
            return
        answer_id = row_id(values[0]) if values else -1
        if not names_a_row(answer_id):
            await interaction.response.send_message(ANSWER_NOT_HERE, ephemeral=True)
            return
        await interaction.response.send_modal(rubric_modal(f"gb:rate:{self.round_id}:{answer_id}", cached.criteria))


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
        cached = grill_bot(interaction).round_cache.get(self.round_id)
        if cached is None or cached.space_id != caller_space(interaction):
            await interaction.response.send_message(NOT_OPEN_HERE, ephemeral=True)
            return
        if not cached.blind:
            await interaction.response.send_message(NOT_BLIND_FORM, ephemeral=True)
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
        question = grill_bot(interaction).services.bank.questions.get(self.question_id)
        space = caller_space(interaction)
        if question is None or not space or not question.visible_in(space):
            text = "That question is no longer in the bank, so its hint is gone."
        elif not question.hint:
            text = "This question has no hint: start from the type's answer shape on the post."
        else:
            text = render.clip(f"💡 Hint: {question.hint}", render.CONTENT_MAX)
        await interaction.response.send_message(text, ephemeral=True)


# --- form submissions (routed by custom_id, see modals.ModalRouter) ---------------------------


async def submit_rating(interaction: discord.Interaction, match: re.Match[str], values: dict[str, Any]) -> None:
    """`gb:rate:<round>:<answer>` (picked from the list) or `gb:ratemsg:<round>:<message>` (context menu)."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    services = grill_bot(interaction).services
    space, round_id = caller_space(interaction), row_id(match["round_id"])
    if match["kind"] == "ratemsg":
        answer_id = (await services.votes.answer_on_message(space, round_id, match["target"])).id
    else:
        answer_id = row_id(match["target"])
    receipt = await services.votes.cast(
        space,
        answer_id,
        member_ref(interaction.user.id),
        getattr(interaction.user, "display_name", interaction.user.name),
        rubric_scores(values),
        round_id=round_id,
    )
    names = await services.spaces.display_names(receipt.round.space_id, [receipt.answer.member_id])
    author = render.name(names.get(receipt.answer.member_id, "that member"))
    points = receipt.vote.points
    total = 2 * len(receipt.vote.scores)
    if receipt.first:
        text = f"Your vote on {author}'s answer is recorded: {points}/{total}."
    else:
        text = f"Your vote on {author}'s answer is updated (it replaces your earlier one): {points}/{total}."
    await interaction.followup.send(text, ephemeral=True)


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
