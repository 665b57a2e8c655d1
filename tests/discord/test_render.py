"""The renderer keeps every Discord limit, whatever the content's size."""

from datetime import UTC, date, datetime, timedelta

import discord

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
from bot.core.text import plural
from bot.discord_ui import render

CRITERIA = tuple(Criterion(f"c{i}", "L" * 45, "D" * 100) for i in range(5))
NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def a_round(prompt: str = "Why?", key_points=("a", "b"), blind=False, state=RoundState.CLOSED) -> Round:
    question = QuestionSnapshot("q", "systems", prompt, ("t",), 2, tuple(key_points), ("deeper?",), CRITERIA)
    return Round(
        1,
        "discord:1",
        "daily",
        date(2026, 11, 30),
        state,
        question,
        "10",
        "11",
        "11",
        NOW,
        NOW + timedelta(hours=20),
        NOW + timedelta(hours=22),
        blind=blind,
    )


def result(i: int, score: float | None, disagreement=False) -> AnswerResult:
    answer = Answer(i, 1, f"m{i}", "body", str(i), NOW, NOW)
    crits = tuple(CriterionResult(c, 1.0, disagreement) for c in CRITERIA)
    return AnswerResult(answer, f"Member <@{i}> **{i}**" + "x" * 20, score, 3, crits, 1 if score is not None else None)


def within_limits(embed: discord.Embed) -> bool:
    return (
        len(embed.title or "") <= render.TITLE_MAX
        and len(embed.description or "") <= render.DESCRIPTION_MAX
        and all(len(f.value) <= render.FIELD_MAX for f in embed.fields)
        and len(embed) <= render.MESSAGE_EMBEDS_MAX
    )


def test_round_embed_with_a_maximal_prompt_fits():
    embed = render.round_embed(a_round("p" * 1500, state=RoundState.OPEN), None)
    assert within_limits(embed)
    assert "<t:" in "".join(f.value for f in embed.fields)  # a countdown to close


def test_sixty_answers_split_into_messages_that_each_fit():
    results = RoundResults(a_round(key_points=["k" * 200] * 8), tuple(result(i, 50.0 + i % 3) for i in range(60)))
    embeds = render.results_messages(results)
    assert len(embeds) > 2
    assert all(within_limits(e) for e in embeds)
    joined = "\n".join(e.description or "" for e in embeds)
    assert joined.count("**50.0**") == 20
    assert embeds[-1].title == "Key points" and embeds[-1].fields[0].value == "deeper?"


def test_names_are_escaped_and_disagreement_is_marked():
    (top, _) = render.results_messages(RoundResults(a_round(), (result(1, 70.0, disagreement=True),)))
    assert "\\*\\*1\\*\\*" in top.description
    assert "⚠" in top.description and "worth discussing" in top.description


def test_no_answers_still_shows_the_key_points():
    embeds = render.results_messages(RoundResults(a_round(), ()))
    assert "Nobody answered" in embeds[0].description
    assert embeds[-1].description == "1. a\n2. b"


def test_leaderboard_shows_the_caller_outside_the_top():
    rows = tuple(BoardRow(i + 1, f"m{i}", f"M{i}", 10.0 - i, 1, 1) for i in range(10))
    caller = BoardRow(14, "me", "Me", 1.0, 1, 0)
    embed = render.leaderboard_embed(Board("s", "coding", Period.WEEK, BoardView.POINTS, rows, caller))
    assert embed.description.splitlines()[-1].startswith("`#14` Me")
    assert embed.title == "Leaderboard · Coding · this week · points"


def test_reminder_text_names_without_markup_tricks():
    text = render.reminder_text(a_round(), ["@everyone", "A*n*n"])
    assert "A\\*n\\*n" in text and len(text) <= render.CONTENT_MAX


def test_a_closed_post_drops_the_countdown_and_points_at_the_results():
    embed = render.round_embed(a_round(), None)  # a_round() is closed
    fields = {f.name: f.value for f in embed.fields}
    assert "Voting closes" not in fields and "thread" in fields["Closed"]


def test_counts_read_naturally():
    assert plural(1, "vote") == "1 vote" and plural(2, "answer") == "2 answers"


def test_an_answer_embed_names_its_answer_for_rate_answer():
    embed = render.answer_embed("Ann", "my answer", 4321)
    assert render.answer_id_shown([embed]) == 4321
    assert render.answer_id_shown([render.round_embed(a_round(), None)]) is None


def test_a_drill_reply_past_discords_limits_is_shortened_visibly():
    answer = "a" * 3990 + "THE-END"
    key_points = [f"point {i} " + "k" * 1990 for i in range(8)]
    follow_ups = ["f" * 1500] * 3
    embeds, more = render.drill_feedback(answer, key_points, follow_ups)
    assert all(within_limits(e) for e in embeds)
    assert sum(len(e) for e in embeds) <= render.MESSAGE_EMBEDS_MAX  # the one message they share
    mine, key = embeds
    assert "THE-END" not in mine.description and "Shortened to fit Discord" in mine.description
    assert f"of {len(answer)} characters shown" in mine.description
    assert "follows in the next message" in key.footer.text
    assert 0 < len(more) <= render.OVERFLOW_MESSAGES and all(len(m) <= render.CONTENT_MAX for m in more)
    shown = key.description + "".join(more)
    assert "point 1 " in shown and "point 2 " in shown  # the key points carry on in the extra messages


def test_a_drill_reply_that_fits_is_shown_whole():
    embeds, more = render.drill_feedback("my answer", ["one", "two"], ["deeper?"])
    assert more == []
    assert embeds[0].description == "my answer" and embeds[1].description == "1. one\n2. two"
    assert embeds[1].footer.text is None and embeds[1].fields[0].value == "deeper?"


def test_the_longest_answer_beside_short_key_points_is_shown_whole():
    embeds, more = render.drill_feedback("a" * 4000, ["k" * 100] * 8, [])
    assert embeds[0].description == "a" * 4000 and more == [] and sum(len(e) for e in embeds) <= 6000
