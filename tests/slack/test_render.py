"""Block Kit within Slack's limits whatever the content's size, and member text that never pings."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.core.models import (
    Answer,
    AnswerResult,
    Board,
    BoardRow,
    BoardView,
    Criterion,
    CriterionResult,
    Period,
    QuestionSnapshot,
    Round,
    RoundResults,
    RoundState,
)
from bot.slack_ui import render

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)
CRITERIA = tuple(Criterion(f"c{i}", "L" * 45, "D" * 100, ("zero " * 30, "one " * 30, "two " * 30)) for i in range(5))
PINGS = re.compile(r"<!channel>|<!here>|<!everyone>|<!subteam\^|<@[UW]")
HOSTILE = "Mo <!channel> <!here> <@U123> <!subteam^S1|@team> & co"


def a_round(prompt: str = "Why?", key_points=("a", "b"), blind=False, state=RoundState.OPEN, kind="daily") -> Round:
    question = QuestionSnapshot("q", "systems", prompt, ("t",), 2, tuple(key_points), ("deeper?",), CRITERIA)
    ref = "C1:1764576000.000001"
    return Round(
        7, "slack:T1", kind, date(2026, 11, 30), state, question, "C1", ref, ref,
        NOW, NOW + timedelta(hours=20), NOW + timedelta(hours=22), blind=blind,
    )  # fmt: skip


def texts(blocks: Any) -> list[str]:
    """Every text string anywhere in a block structure."""
    found = []
    if isinstance(blocks, dict):
        for key, value in blocks.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found += texts(value)
    elif isinstance(blocks, list):
        for item in blocks:
            found += texts(item)
    return found


def within_limits(blocks: list[dict[str, Any]], most: int = render.MESSAGE_BLOCKS_MAX) -> None:
    assert 0 < len(blocks) <= most
    for block in blocks:
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= render.HEADER_MAX
        if block["type"] == "section" and "text" in block:
            assert 0 < len(block["text"]["text"]) <= render.SECTION_MAX
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= render.BUTTON_MAX
    for obj in _text_objects(blocks):
        if obj["type"] == "mrkdwn":
            assert obj["verbatim"] is True


def _text_objects(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        own = [node] if node.get("type") in ("mrkdwn", "plain_text") else []
        return own + [o for v in node.values() for o in _text_objects(v)]
    if isinstance(node, list):
        return [o for v in node for o in _text_objects(v)]
    return []


def test_escape_turns_every_control_character_into_an_entity():
    assert render.escape(HOSTILE) == (
        "Mo &lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;!subteam^S1|@team&gt; &amp; co"
    )
    assert not PINGS.search(render.escape(HOSTILE))


def test_results_of_two_hundred_hostile_names_fit_and_never_ping():
    rows = tuple(
        AnswerResult(
            Answer(i, 7, f"slack:U{i}", "body", None, NOW, NOW),
            f"{HOSTILE} {i}" + "x" * 100,
            50.0 if i % 3 else None,
            2,
            tuple(CriterionResult(c, 1.0, i % 2 == 0) for c in CRITERIA),
            i if i % 3 else None,
        )
        for i in range(1, 201)
    )
    messages = render.results_messages(
        RoundResults(a_round(state=RoundState.CLOSED), rows), None, late_replies_note=True
    )
    assert len(messages) >= 2
    for blocks in messages:
        within_limits(blocks)
        assert not any(PINGS.search(t) for t in texts(blocks))
    everything = json.dumps(messages)
    assert everything.count("&lt;!channel&gt;") == 200
    assert "replies in this thread from now on are discussion" in everything


def test_a_long_prompt_and_many_key_points_stay_within_the_message_limits():
    rnd = a_round(
        prompt="p" * 10_000, key_points=[f"point {i} " + "k" * 400 for i in range(60)], state=RoundState.CLOSED
    )
    post = render.round_blocks(rnd, None)
    within_limits(post)
    assert not any(b["type"] == "actions" for b in post)  # a closed round's post keeps no buttons
    for blocks in render.results_messages(RoundResults(rnd, ()), None, late_replies_note=False):
        within_limits(blocks)


def test_the_post_carries_its_round_in_metadata_and_ids_in_its_buttons():
    rnd = a_round(blind=True)
    post = render.round_blocks(rnd, None, hint_for="q")
    actions = [e["action_id"] for b in post if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["gb:answer:7", "gb:peek:7", "gb:vote:7", "gb:hint:q"]
    assert "<!date^" in json.dumps(post)  # the close time in each reader's zone
    message = {"metadata": render.post_metadata(7)}
    assert render.posted_round(message) == 7
    assert render.posted_round({"metadata": {"event_type": "other", "event_payload": {"round_id": 7}}}) is None
    assert render.posted_round({"metadata": {"event_type": "grill_round", "event_payload": {"round_id": "7"}}}) is None


def test_a_revealed_answer_names_its_id_for_rate_answer_and_escapes_its_body():
    blocks = render.answer_blocks(HOSTILE, f"{HOSTILE}\n" * 200, 42)
    within_limits(blocks)
    assert render.answer_shown({"blocks": blocks}) == 42
    assert render.answer_shown({"blocks": [{"block_id": "gb_answer_x"}]}) is None
    assert not any(PINGS.search(t) for t in texts(blocks))


def test_the_rubric_modal_keeps_slacks_modal_limits():
    view = render.rubric_modal("gb:rate", CRITERIA, "Rate this answer, please, now", "7:a:" + "9" * 20)
    assert len(view["title"]["text"]) <= render.MODAL_TITLE_MAX
    assert len(view["blocks"]) == len(CRITERIA) <= render.MODAL_BLOCKS_MAX
    for block in view["blocks"]:
        options = block["element"]["options"]
        assert [o["value"] for o in options] == ["0", "1", "2"]
        assert all(len(o["text"]["text"]) <= render.OPTION_MAX for o in options)
        assert all(len(o["description"]["text"]) <= render.OPTION_MAX for o in options)
    values = {
        "c_c0": {"score": {"selected_option": {"value": "2"}}},
        "c_c1": {"score": {"selected_option": {"value": "x"}}},
        "other": {"score": {"selected_option": {"value": "1"}}},
    }
    assert render.rubric_scores(values) == {"c0": 2}


def test_modal_metadata_over_slacks_limit_is_refused():
    try:
        render.modal("x", "t", [], metadata="m" * 3001)
    except ValueError:
        return
    raise AssertionError("3,001 characters of private_metadata were accepted")


def test_leaderboard_names_are_escaped_and_the_caller_shown_outside_the_top():
    rows = tuple(BoardRow(i, f"slack:U{i}", f"{HOSTILE} {i}", 10.0 - i, 1, 1) for i in range(1, 11))
    caller = BoardRow(40, "slack:UME", "<@UME>", 0.5, 1, 0)
    blocks = render.leaderboard_blocks(Board("slack:T1", None, Period.WEEK, BoardView.POINTS, rows, caller), None)
    within_limits(blocks)
    text = json.dumps(blocks)
    assert "#40" in text and "&lt;@UME&gt;" in text
    assert not any(PINGS.search(t) for t in texts(blocks))
