"""Custom ids, forms and command definitions, checked through discord.py's own objects."""

import re
from pathlib import Path

import discord
import pytest

from bot.core.ids import MAX_ROW_ID
from bot.core.models import Criterion
from bot.discord_ui.client import GrillBot
from bot.discord_ui.modals import rubric_modal, submitted_values
from bot.discord_ui.voting import ANSWER_FORM, DYNAMIC_ITEMS, RATING_FORM, AnswerButton, VoteButton, round_view
from bot.settings import Settings
from cogs.drills import (
    DRILL_ANSWER_FORM,
    DRILL_SCORE_FORM,
    ClassifyButton,
    DrillAnswerButton,
    SelfScoreButton,
    ShareButton,
)

BIG = 10**19  # larger than any snowflake


@pytest.mark.parametrize("item_cls", DYNAMIC_ITEMS)
def test_dynamic_item_ids_round_trip_and_stay_under_100_chars(item_cls):
    item = item_cls(BIG)
    template = item_cls.__discord_ui_compiled_template__
    match = template.fullmatch(item.custom_id)
    assert match and int(match["round_id"]) == BIG
    assert len(item.custom_id) <= 100


def test_form_ids_stay_under_100_chars():
    assert re.fullmatch(RATING_FORM, f"gb:ratemsg:{BIG}:{BIG}") and len(f"gb:ratemsg:{BIG}:{BIG}") <= 100
    assert re.fullmatch(ANSWER_FORM, f"gb:form:{BIG}")


def test_round_view_is_fully_dynamic_so_it_needs_no_per_message_state():
    assert all(
        isinstance(i, VoteButton | AnswerButton) or i.custom_id.startswith("gb:") for i in round_view(1, True).children
    )
    assert round_view(1, False).is_persistent()


def test_a_five_criterion_rubric_fits_one_modal_and_a_sixth_does_not():
    criteria = [Criterion(f"c{i}", "label", "description") for i in range(6)]
    modal = rubric_modal("gb:rate:1:2", criteria[:5])
    payload = modal.to_dict()
    assert len(payload["components"]) == 5
    assert payload["components"][0]["type"] == discord.ComponentType.label.value
    with pytest.raises(ValueError, match="maximum number of children"):
        rubric_modal("gb:rate:1:2", criteria)


def test_submitted_values_reads_labels_radio_groups_and_text_inputs():
    data = {
        "custom_id": "gb:rate:1:2",
        "components": [
            {"type": 18, "id": 1, "component": {"type": 21, "id": 2, "custom_id": "setup", "value": "2"}},
            {"type": 18, "id": 3, "component": {"type": 4, "id": 4, "custom_id": "answer", "value": "text"}},
            {"type": 1, "components": [{"type": 3, "custom_id": "pick", "values": ["7"]}]},
        ],
    }
    assert submitted_values(data) == {"setup": "2", "answer": "text", "pick": ["7"]}


async def test_every_cog_loads_and_command_names_are_unique(tmp_path: Path):
    bot = GrillBot(Settings(token="x", db_path=str(tmp_path / "db.sqlite")))
    await bot.load_cogs()
    commands = bot.tree.get_commands()
    names = [(c.name, type(c).__name__) for c in commands]
    assert len(names) == len(set(names))
    assert {"grill", "leaderboard", "me", "Rate answer"} <= {c.name for c in commands}
    for command in commands:
        payload = command.to_dict(bot.tree)
        assert len(payload["name"]) <= 32
        assert len(payload.get("description", "")) <= 100
    grill = bot.tree.get_command("grill")
    assert {c.name for c in grill.commands} >= {"setup", "pause", "resume", "post", "close", "skip", "settings"}
    assert grill.default_permissions.manage_guild
    await bot.close()


@pytest.mark.parametrize(
    "make",
    [
        lambda qid: DrillAnswerButton(qid),
        lambda qid: SelfScoreButton(MAX_ROW_ID, qid),
        lambda qid: ClassifyButton(qid, "research_judgment"),
    ],
)
def test_drill_ids_fit_the_longest_question_id(make):
    longest = "q" * 64
    item = make(longest)
    match = type(item).__discord_ui_compiled_template__.fullmatch(item.custom_id)
    assert match and match["qid"] == longest and len(item.custom_id) <= 100


def test_share_id_fits_the_largest_drill_id():
    item = ShareButton(MAX_ROW_ID)
    match = ShareButton.__discord_ui_compiled_template__.fullmatch(item.custom_id)
    assert match and int(match["drill"]) == MAX_ROW_ID and len(item.custom_id) <= 100


def test_drill_form_ids_fit():
    for pattern, custom_id in (
        (DRILL_ANSWER_FORM, "gb:drillans:" + "q" * 64),
        (DRILL_SCORE_FORM, f"gb:drillrate:{MAX_ROW_ID}"),
    ):
        assert re.fullmatch(pattern, custom_id) and len(custom_id) <= 100
