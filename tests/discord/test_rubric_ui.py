"""Anchors, marked key points, long forms and the Hint button, through discord.py's own objects."""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from bot.core.content import load_frameworks
from bot.core.models import Criterion, KeyPoint, Question, RoundResults
from bot.core.services.drills import DrillService
from bot.discord_ui import render
from bot.discord_ui.modals import rubric_modal
from bot.discord_ui.voting import QUESTION_ITEMS, HintButton, round_view
from cogs.drills import drill_message
from tests.conftest import SHIPPED_CONTENT
from tests.discord.test_render import a_round

TYPES = load_frameworks(SHIPPED_CONTENT / "frameworks.yaml")


def options_of(payload: dict) -> list[list[dict]]:
    return [row["component"]["options"] for row in payload["components"]]


def test_each_score_option_of_the_vote_form_carries_its_anchor():
    for qtype in TYPES.values():
        payload = rubric_modal("gb:rate:1:2", qtype.criteria).to_dict()
        for criterion, options in zip(qtype.criteria, options_of(payload), strict=True):
            assert [o["value"] for o in options] == ["0", "1", "2"]
            assert [o["description"] for o in options] == list(criterion.anchors)
            assert all(len(o["description"]) <= 100 for o in options)


def test_a_rubric_posted_before_anchors_shows_plain_options():
    payload = rubric_modal("gb:rate:1:2", [Criterion("tradeoffs", "Weighs trade-offs", "Old rubric.")] * 3).to_dict()
    assert all("description" not in o for options in options_of(payload) for o in options)


def test_framework_shows_every_criterion_with_its_anchors_within_discord_limits():
    for qtype in TYPES.values():
        embed = render.framework_embed(qtype)
        assert len(embed) <= render.MESSAGE_EMBEDS_MAX
        text = "\n".join(f"{f.name}\n{f.value}" for f in embed.fields)
        for criterion in qtype.criteria:
            assert criterion.label in text
            assert all(f"`{score}` {anchor}" in text for score, anchor in enumerate(criterion.anchors))


def test_key_points_show_must_haves_first_and_mark_bonus_points():
    points = (KeyPoint("bonus idea", True), KeyPoint("core fact", criterion="correctness"), KeyPoint("second fact"))
    embed = render.key_points_embed(points, ["deeper?"], long_form="full-question")
    assert embed.description.splitlines() == ["1. core fact [correctness]", "2. second fact", "☆ *bonus:* bonus idea"]
    assert any(f.name == "Long form: full-question" and "/drill" in f.value for f in embed.fields)
    assert all("Long form" not in f.name for f in render.key_points_embed(points, []).fields)


def test_hint_ids_fit_the_longest_question_id():
    item = HintButton("q" * 64)
    match = HintButton.__discord_ui_compiled_template__.fullmatch(item.custom_id)
    assert match and match["qid"] == "q" * 64 and len(item.custom_id) <= 100
    assert HintButton in QUESTION_ITEMS


def test_the_daily_post_offers_a_hint_only_when_the_question_has_one():
    with_hint = [c.custom_id for c in round_view(7, False, "gqa-kv").children]
    assert with_hint == ["gb:vote:7", "gb:hint:gqa-kv"]
    assert [c.custom_id for c in round_view(7, False).children] == ["gb:vote:7"]
    assert round_view(7, True, "gqa-kv").is_persistent()


def question(qid: str = "q1", hint: str = "Start from bytes per token.", space_id: str | None = None) -> Question:
    return Question(qid, "p", "systems", ("t",), 2, "Why?", ("a", "b"), hint=hint, space_id=space_id)


def test_a_drill_question_gets_a_hint_button_only_with_a_hint():
    bank = SimpleNamespace(types=TYPES)
    ids = [c.custom_id for c in drill_message(question(), bank)["view"].children]  # type: ignore[arg-type]
    assert ids == ["gb:drill:q1", "gb:hint:q1"]
    ids = [c.custom_id for c in drill_message(question(hint=""), bank)["view"].children]  # type: ignore[arg-type]
    assert ids == ["gb:drill:q1"]


class Response:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    async def send_message(self, text: str, *, ephemeral: bool = False) -> None:
        self.sent.append((text, ephemeral))


def interaction(guild_id: int | None, *questions: Question) -> SimpleNamespace:
    bank = SimpleNamespace(questions={q.id: q for q in questions})
    drills = DrillService(bank, drills=None, clock=None)  # type: ignore[arg-type]  # the hint reads the bank only
    client = SimpleNamespace(services=SimpleNamespace(bank=bank, drills=drills))
    return SimpleNamespace(client=client, guild_id=guild_id, response=Response())


@pytest.mark.parametrize(
    "guild_id, q, expected",
    [
        (1, question(), "💡 Hint: Start from bytes per token."),
        (1, question(space_id="discord:1"), "💡 Hint: Start from bytes per token."),
        (2, question(space_id="discord:1"), "That question is no longer in the bank, so its hint is gone."),
        (None, question(), "That question is no longer in the bank, so its hint is gone."),
        (1, question(hint=""), "This question has no hint: start from the type's answer shape on the post."),
    ],
)
async def test_the_hint_is_private_and_only_for_a_question_the_caller_can_see(guild_id, q, expected):
    fake = interaction(guild_id, q)
    await HintButton(q.id).callback(fake)  # type: ignore[arg-type]
    assert fake.response.sent == [(expected, True)]


async def test_a_hint_button_for_a_removed_question_says_so():
    fake = interaction(1)
    await HintButton("gone").callback(fake)  # type: ignore[arg-type]
    assert fake.response.sent == [("That question is no longer in the bank, so its hint is gone.", True)]


def test_results_order_key_points_and_name_the_long_form():
    rnd = a_round(key_points=(KeyPoint("extra", True), "must"))
    rnd = replace(rnd, question=replace(rnd.question, long_form="full-question"))
    key = render.results_messages(RoundResults(rnd, ()))[-1]
    assert key.description.splitlines() == ["1. must", "☆ *bonus:* extra"]
    assert [f.name for f in key.fields] == ["Go one level deeper", "Long form: full-question"]
