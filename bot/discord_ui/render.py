"""Core results -> Discord embeds and text. Pure: no I/O, and every limit Discord enforces is kept here.

Discord refuses (HTTP 400) an embed over its limits: title 256, description 4096, field value 1024,
footer 2048, 6000 characters across a message's embeds. Long results are split over several
messages of one embed each.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import discord
from discord.utils import escape_markdown, format_dt

from bot.core.models import (
    Board,
    GuildSettings,
    KeyPoint,
    Question,
    QuestionSnapshot,
    QuestionType,
    Round,
    RoundResults,
    RoundState,
    numbered_key_points,
)
from bot.core.schedule import format_weekdays
from bot.core.scores_text import BOARD_FOOTERS, Markup, board_lines, board_title, results_lines
from bot.core.text import chunks, clip

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_MAX = 1024
FOOTER_MAX = 2048
MESSAGE_EMBEDS_MAX = 6000
CONTENT_MAX = 2000

COLOUR = discord.Colour.from_rgb(230, 120, 40)
WARNING_COLOUR = discord.Colour.from_rgb(220, 60, 40)
THREAD_GONE_NOTE = "This round's thread was deleted, so its results are posted here."
DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
TYPE_NAMES = {
    "derivation": "Derivation",
    "coding": "Coding",
    "debugging": "Debugging",
    "evaluation": "Evaluation",
    "systems": "Systems",
    "research_judgment": "Research judgment",
}


def name(text: str) -> str:
    """A member's display name, safe to show: markdown escaped, mentions never resolved."""
    return escape_markdown(text)


MARKUP = Markup(bold=lambda text: f"**{text}**", name=name, text=str)  # the bank's text shown as written


def type_name(type_id: str | None) -> str:
    return "Overall" if type_id is None else TYPE_NAMES.get(type_id, type_id)


def question_embed(heading: str, question: Question | QuestionSnapshot, qtype: QuestionType | None) -> discord.Embed:
    """A question as members see it asked: prompt, topics, difficulty and the type's answer shape."""
    embed = discord.Embed(
        title=clip(f"{heading} · {type_name(question.type)}", TITLE_MAX),
        description=clip(question.prompt, DESCRIPTION_MAX),
        colour=COLOUR,
    )
    embed.add_field(name="Topics", value=clip(", ".join(question.topics), FIELD_MAX), inline=True)
    embed.add_field(name="Difficulty", value=DIFFICULTY.get(question.difficulty, str(question.difficulty)), inline=True)
    if qtype is not None:
        embed.add_field(name="Answer shape", value=clip(qtype.answer_shape, FIELD_MAX), inline=False)
    return embed


def key_point_lines(key_points: Sequence[KeyPoint | str]) -> list[str]:
    """Must-haves numbered first, then the bonus points marked; a point's criterion in brackets."""
    lines = []
    for number, point in numbered_key_points(key_points):
        tag = f" [{point.criterion}]" if point.criterion else ""
        lines.append(f"{number}. {point.text}{tag}" if number else f"☆ *bonus:* {point.text}{tag}")
    return lines


def key_points_embed(key_points: Sequence[KeyPoint], follow_ups: Sequence[str], long_form: str = "") -> discord.Embed:
    """The reference outline (must-haves, then bonus points), the follow-ups one level deeper, and
    the topical question this rapid one is the short form of."""
    embed = discord.Embed(
        title="Key points",
        description=clip("\n".join(key_point_lines(key_points)), DESCRIPTION_MAX),
        colour=COLOUR,
    )
    for follow_up in follow_ups:
        embed.add_field(name=DEEPER, value=clip(follow_up, FIELD_MAX), inline=False)
    if long_form:
        embed.add_field(name=f"Long form: {long_form}", value=f"Drill it in full: `/drill question:{long_form}`.")
    return embed


DEEPER = "Go one level deeper"
NOTE_ROOM = 200  # kept free in each drill embed for the note saying it was shortened
ANSWER_FLOOR = 1000  # the least of a long answer shown beside long key points
OVERFLOW_MESSAGES = 4  # key points that don't fit come back in at most this many extra messages


def drill_feedback(
    answer: str, key_points: Sequence[KeyPoint | str], follow_ups: Sequence[str], long_form: str = ""
) -> tuple[list[discord.Embed], list[str]]:
    """A drill answer beside the key points, in one message within Discord's limits (4,096 per
    description, 1,024 per field, 6,000 across the message); and the key points that did not fit,
    as extra messages. Whatever is cut is said so: the answer shows how much of it is shown (it is
    stored whole before this is rendered), the key points say the rest follows."""
    deeper = [clip(f, FIELD_MAX) for f in follow_ups]
    long_form_field = (
        (f"Long form: {long_form}", f"Drill it in full: `/drill question:{long_form}`.") if long_form else None
    )
    fixed = (
        len("Your answer")
        + len("Key points")
        + sum(len(DEEPER) + len(f) for f in deeper)
        + sum(map(len, long_form_field or ()))
        + 2 * NOTE_ROOM
    )
    room = MESSAGE_EMBEDS_MAX - fixed
    points = "\n".join(key_point_lines(key_points))
    shown_points = _head(points, min(DESCRIPTION_MAX - NOTE_ROOM, room - min(len(answer), ANSWER_FLOOR)))
    answer_room = room + NOTE_ROOM - len(shown_points)  # the answer needs no note when it fits whole
    if len(answer) <= min(DESCRIPTION_MAX, answer_room):
        shown_answer = answer
    else:
        shown_answer = _head(answer, min(DESCRIPTION_MAX, answer_room) - NOTE_ROOM)
    mine = discord.Embed(title="Your answer", description=shown_answer)
    if len(shown_answer) < len(answer):
        mine.description = (
            f"{shown_answer}…\n\n*Shortened to fit Discord: {len(shown_answer)} of {len(answer)} characters "
            "shown. Your whole answer is saved and scored as you wrote it; /me export shows it.*"
        )
    key = discord.Embed(title="Key points", description=shown_points, colour=COLOUR)
    for follow_up in deeper:
        key.add_field(name=DEEPER, value=follow_up, inline=False)
    if long_form_field:
        key.add_field(name=long_form_field[0], value=long_form_field[1], inline=False)
    rest = points[len(shown_points) :]
    extra = _pieces(rest, CONTENT_MAX - 50)
    if extra:
        key.description = f"{shown_points}…"
        key.set_footer(text="Shortened to fit Discord: the rest of the key points follows in the next message(s).")
    messages = [f"Key points, continued:\n{p}" for p in extra[:OVERFLOW_MESSAGES]]
    if len(extra) > OVERFLOW_MESSAGES:
        messages[-1] = clip(messages[-1], CONTENT_MAX - 120) + (
            "\n(The key points go on past what Discord shows here; `python -m bot practice` shows them whole.)"
        )
    return [mine, key], messages


def _head(text: str, limit: int) -> str:
    """`text` if it fits in `limit`, else its start, cut at the last line break that keeps most of it."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > limit // 2 else limit - 1]


def _pieces(text: str, limit: int) -> list[str]:
    """`text` split into pieces of at most `limit` characters, at line breaks where it can be."""
    pieces = []
    text = text.lstrip("\n")
    while text:
        piece = _head(text, limit)
        pieces.append(piece)
        text = text[len(piece) :].lstrip("\n")
    return pieces


def round_embed(rnd: Round, qtype: QuestionType | None) -> discord.Embed:
    q = rnd.question
    embed = question_embed("Shared drill" if rnd.kind == "drill" else "Daily grill", q, qtype)
    embed.add_field(name="Rubric", value=clip(" · ".join(c.label for c in q.criteria), FIELD_MAX), inline=False)
    if rnd.state is RoundState.CLOSED:
        embed.add_field(name="Closed", value="The results, key points and a follow-up are in the thread.")
        return embed
    if rnd.kind == "drill":
        how = "A member shared their drill answer: it's in the thread, for peer scores on the rubric."
    elif rnd.blind:
        how = "Blind round: answer with the **Answer** button; answers appear in the thread when answering closes."
        embed.add_field(name="Answers close", value=format_dt(rnd.answers_close_at, "R"), inline=True)
    else:
        how = "Answer in the thread: your first message there is your answer, and its edits count until close."
    embed.add_field(name="Voting closes", value=format_dt(rnd.closes_at, "R"), inline=True)
    rate = "Rate answers with Vote, or right-click an answer > Apps > Rate answer."
    embed.set_footer(text=clip(f"{how} {rate}", FOOTER_MAX))
    return embed


def thread_name(rnd: Round) -> str:
    day = rnd.local_date.isoformat() if rnd.local_date else "shared drill"
    return clip(f"{day} · {type_name(rnd.question.type)} · answers", 100)


def results_messages(results: RoundResults) -> list[discord.Embed]:
    """The results as embeds, one per message: ranked answers (split as needed), then the key points."""
    rnd = results.round
    lines = results_lines(results, MARKUP)
    embeds = [
        discord.Embed(
            title=clip(f"Results · {type_name(rnd.question.type)}", TITLE_MAX), description=chunk, colour=COLOUR
        )
        for chunk in chunks(lines, DESCRIPTION_MAX - 100)
    ]
    # The first follow-up only, as a teaser.
    key = key_points_embed(rnd.question.key_points, rnd.question.follow_ups[:1], rnd.question.long_form)
    key.set_footer(text="Scores: mean rubric share per voter, shrunk toward the server's average with a 3-vote prior.")
    return [*embeds, key]


def reminder_text(rnd: Round, pending: Sequence[str]) -> str:
    names = ", ".join(name(n) for n in pending)
    text = (
        f"⏰ Voting closes {format_dt(rnd.closes_at, 'R')}. These answers still have fewer than 2 votes: {names}. "
        "Rate them with **Vote** on the question post, or right-click an answer > Apps > Rate answer."
    )
    return clip(text, CONTENT_MAX)


ANSWER_FOOTER = re.compile(r"answer #(\d+)\b")


def answer_embed(display_name: str, body: str, answer_id: int) -> discord.Embed:
    """An answer the bot shows for its author (blind reveal, shared drill). The footer names the
    answer, so "Rate answer" on this message needs no database look-up before its form."""
    embed = discord.Embed(title=clip(f"{display_name}'s answer", TITLE_MAX), description=clip(body, DESCRIPTION_MAX))
    embed.set_footer(text=f"answer #{answer_id} · rate it: right-click > Apps > Rate answer, or Vote on the post")
    return embed


def answer_id_shown(embeds: Sequence[discord.Embed]) -> int | None:
    """The answer id an answer embed carries in its footer, if any."""
    for embed in embeds:
        match = ANSWER_FOOTER.search(embed.footer.text or "")
        if match:
            return int(match[1])
    return None


def answers_for_reading(answers: Sequence[tuple[str, str]]) -> list[discord.Embed]:
    """Answers to read privately (blind mode), at most 10 embeds and 6000 characters in all."""
    embeds: list[discord.Embed] = []
    total = 0
    for display_name, body in answers:
        embed = discord.Embed(
            title=clip(f"{display_name}'s answer", TITLE_MAX), description=clip(body, 1500), colour=COLOUR
        )
        size = len(embed.title or "") + len(embed.description or "")
        if len(embeds) == 10 or total + size > MESSAGE_EMBEDS_MAX - 200:
            break
        embeds.append(embed)
        total += size
    return embeds


def leaderboard_embed(board: Board, caller_name: str | None = None) -> discord.Embed:
    title = board_title(board, type_name(board.type_id))
    lines = board_lines(board, MARKUP, caller_name)
    embed = discord.Embed(title=clip(title, TITLE_MAX), description=clip("\n".join(lines), DESCRIPTION_MAX))
    embed.set_footer(text=BOARD_FOOTERS[board.view])
    embed.colour = COLOUR
    return embed


def settings_embed(settings: GuildSettings, next_post: datetime | None) -> discord.Embed:
    embed = discord.Embed(title="Daily grill settings", colour=WARNING_COLOUR if settings.fault else COLOUR)
    if settings.fault:
        embed.description = fault_warning(settings.fault)
    channel = f"<#{settings.channel_ref}>" if settings.channel_ref else "not set: run /grill setup"
    embed.add_field(name="Channel", value=channel, inline=True)
    embed.add_field(name="Time", value=f"{settings.post_time} {settings.timezone}", inline=True)
    embed.add_field(name="Days", value=format_weekdays(settings.weekdays), inline=True)
    embed.add_field(name="State", value="paused" if settings.paused else "running", inline=True)
    embed.add_field(name="Blind mode", value="on" if settings.blind_mode else "off", inline=True)
    window = f"{settings.answer_window_minutes} min" if settings.answer_window_minutes else "until close"
    embed.add_field(name="Answers", value=window, inline=True)
    embed.add_field(name="Close", value=f"{settings.close_before_next_minutes} min before the next post", inline=True)
    embed.add_field(name="Reminder", value=f"{settings.reminder_before_close_minutes} min before close", inline=True)
    embed.add_field(name="Next post", value=format_dt(next_post, "F") if next_post else "none scheduled", inline=False)
    return embed


def fault_warning(fault: str) -> str:
    return clip(f"⚠ **Needs an admin:** {fault}", DESCRIPTION_MAX)


def framework_embed(qtype: QuestionType) -> discord.Embed:
    """The answer shape, then one field per criterion with its anchors (what earns a 0, 1 or 2)."""
    shape = f"{qtype.answer_shape}\n\nEach criterion scores 0 (missing), 1 (partial) or 2 (strong):"
    embed = discord.Embed(title=f"{qtype.name}: the answer framework", description=shape, colour=COLOUR)
    for c in qtype.criteria:
        lines = [c.description, *(f"`{score}` {anchor}" for score, anchor in enumerate(c.anchors))]
        embed.add_field(name=clip(c.label, TITLE_MAX), value=clip("\n".join(lines), FIELD_MAX), inline=False)
    embed.add_field(
        name="Common failure modes", value=clip("\n".join(f"• {m}" for m in qtype.failure_modes), FIELD_MAX)
    )
    return embed
