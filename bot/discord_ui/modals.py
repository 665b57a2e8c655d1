"""Forms (modals): building them, and routing their submissions without in-memory state.

discord.py keeps an opened modal in memory only, so a submit that arrives after a restart would be
dropped. Our modals therefore carry their state in `custom_id` and do nothing in `on_submit`; the
bot routes every submit from `on_interaction` by matching the id, the same before and after a restart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import discord
from discord import ui

from bot.core.models import Criterion
from bot.discord_ui.errors import report
from bot.discord_ui.platform import DISCORD

log = logging.getLogger(__name__)

MODAL_TIMEOUT = 15 * 60  # an abandoned form is forgotten after this
SCORE_OPTIONS = (("0 · missing", "0"), ("1 · partial", "1"), ("2 · strong", "2"))

Handler = Callable[[discord.Interaction, re.Match[str], dict[str, Any]], Awaitable[None]]


class StatelessModal(ui.Modal):
    """A modal whose submit is handled by the router, never by this (possibly forgotten) object."""

    def __init__(self, title: str, custom_id: str) -> None:
        super().__init__(title=title[:45], custom_id=custom_id, timeout=MODAL_TIMEOUT)


def rubric_modal(
    custom_id: str, criteria: Sequence[Criterion], title: str = "Rate: 0 missing · 1 partial · 2 strong"
) -> ui.Modal:
    """One labelled 0/1/2 choice per criterion; a rubric has at most 5, the most a modal holds.

    Each option carries the criterion's anchor for that score as its description (<= 100 chars),
    so the voter sees what earns a 0, a 1 or a 2; a rubric posted before anchors shows none."""
    modal = StatelessModal(title, custom_id)
    for criterion in criteria:
        group: ui.RadioGroup[ui.Modal] = ui.RadioGroup(
            custom_id=criterion.id,
            required=True,
            options=[
                discord.RadioGroupOption(
                    label=label,
                    value=value,
                    description=criterion.anchors[int(value)][:100] if criterion.anchors else None,
                )
                for label, value in SCORE_OPTIONS
            ],
        )
        modal.add_item(ui.Label(text=criterion.label[:45], description=criterion.description[:100], component=group))
    return modal


def rubric_scores(values: dict[str, Any]) -> dict[str, int]:
    """Criterion id -> 0/1/2 from a submitted rubric form; anything else is left out for the core to name."""
    return {key: int(value) for key, value in values.items() if isinstance(value, str) and value.isdigit()}


def answer_modal(custom_id: str, title: str, hint: str | None = None, default: str | None = None) -> ui.Modal:
    modal = StatelessModal(title, custom_id)
    field: ui.TextInput[ui.Modal] = ui.TextInput(
        custom_id="answer",
        style=discord.TextStyle.long,
        min_length=1,
        max_length=DISCORD.answer_limit,
        required=True,
        default=default,
    )
    modal.add_item(ui.Label(text="Your answer", description=(hint or "")[:100] or None, component=field))
    return modal


def submitted_values(data: dict[str, Any]) -> dict[str, Any]:
    """custom_id -> value (text, radio) or values (selects) from a modal-submit payload."""
    return {c["custom_id"]: c.get("value", c.get("values")) for c in _walk(data.get("components", []))}


def _walk(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        if "custom_id" in component:
            yield component
        if "component" in component:
            yield from _walk([component["component"]])
        yield from _walk(component.get("components", []))


class ModalRouter:
    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern[str], Handler]] = []

    def add(self, pattern: str, handler: Handler) -> None:
        self._routes.append((re.compile(pattern), handler))

    async def dispatch(self, interaction: discord.Interaction) -> bool:
        """Handle a modal submit if one of our patterns matches its custom_id; True when handled."""
        if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
            return False
        custom_id = str(interaction.data.get("custom_id", ""))
        for pattern, handler in self._routes:
            match = pattern.fullmatch(custom_id)
            if match:
                try:
                    await handler(interaction, match, submitted_values(dict(interaction.data)))
                except Exception as error:
                    await report(interaction, error)
                return True
        return False
