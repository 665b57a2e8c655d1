"""Core results -> Slack Block Kit. Pure: no I/O, and every limit Slack enforces is kept here.

Slack refuses (`invalid_blocks`) a message over 50 blocks, a modal over 100, a section text over
3,000 characters, a header over 150, a button or option text over 75, a modal title over 24.

Member text never pings: `escape` turns `& < >` into entities, so `<!channel>`, `<!here>`,
`<@U…>` or `<!subteam^…>` typed by a member reach Slack as text, and every mrkdwn object is
`verbatim` (no auto-linking of names or channels). People are named by display name, never `<@U…>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.models import (
    Board,
    Criterion,
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

Block = dict[str, Any]

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_MAX = 3000
HEADER_MAX = 150
BUTTON_MAX = 75
OPTION_MAX = 75
MODAL_TITLE_MAX = 24
METADATA_MAX = 3000
CONTEXT_ELEMENTS_MAX = 10
TEXT_MAX = 4000  # a message's `text` (the notification fallback) is cut by Slack past 40,000; keep it short
ANSWER_INPUT_MAX = 3000  # the most a plain_text_input takes

DIFFICULTY = {1: "easy", 2: "medium", 3: "hard"}
ANSWER_BLOCK = "gb_answer_"  # block_id prefix naming the answer a bot message shows (Rate answer needs no look-up)
POST_EVENT = "grill_round"  # the metadata event type of a round's post, found again by find_post
THREAD_GONE_NOTE = "This round's post was deleted, so its results are posted here."


def escape(text: str) -> str:
    """Member (or content) text as Slack shows it literally: the three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def name(display_name: str) -> str:
    return escape(display_name)


MARKUP = Markup(bold=lambda text: f"*{text}*", name=name, text=escape)  # mrkdwn, escaped


def plain(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_MAX) -> dict[str, Any]:
    """A mrkdwn text object; `text` must already be escaped where it holds member text."""
    return {"type": "mrkdwn", "text": clip(text, limit) or " ", "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_MAX)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:CONTEXT_ELEMENTS_MAX]]}


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, BUTTON_MAX), "action_id": action_id}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def slack_date(at: datetime, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A time each reader sees in their own zone (`<!date^…>`), with a UTC fallback."""
    return f"<!date^{int(at.timestamp())}^{pattern}|{at:%Y-%m-%d %H:%M} UTC>"


def type_name(qtype: QuestionType | None, type_id: str | None) -> str:
    if type_id is None:
        return "Overall"
    return qtype.name if qtype is not None else type_id


def question_blocks(heading: str, question: Question | QuestionSnapshot, qtype: QuestionType | None) -> list[Block]:
    """A question as members see it asked: prompt, topics, difficulty and the type's answer shape."""
    blocks = [
        header(f"{heading} · {type_name(qtype, question.type)}"),
        section(escape(question.prompt)),
        context(
            f"*Topics:* {escape(', '.join(question.topics))}",
            f"*Difficulty:* {DIFFICULTY.get(question.difficulty, str(question.difficulty))}",
        ),
    ]
    if qtype is not None:
        blocks.append(section(f"*Answer shape*\n{escape(qtype.answer_shape)}"))
    return blocks


def round_blocks(rnd: Round, qtype: QuestionType | None, hint_for: str | None = None) -> list[Block]:
    """The daily post: the question, the rubric, how to answer and rate, the close time and its buttons."""
    q = rnd.question
    blocks = question_blocks("Shared drill" if rnd.kind == "drill" else "Daily grill", q, qtype)
    blocks.append(context(f"*Rubric:* {escape(' · '.join(c.label for c in q.criteria))}"))
    if rnd.state is RoundState.CLOSED:
        blocks.append(section("*Closed.* The results, key points and a follow-up are in the thread."))
        return blocks
    if rnd.kind == "drill":
        how = "A member shared their drill answer: it's in the thread, for peer scores on the rubric."
    elif rnd.blind:
        how = (
            "Blind round: answer with the *Answer* button; answers appear in the thread when answering closes "
            f"({slack_date(rnd.answers_close_at)})."
        )
    else:
        how = "Answer in the thread: your first reply there is your answer, and its edits count until answers close."
    rate = "Rate answers with *Vote*, or on an answer: ⋮ More actions > *Rate answer*."
    blocks.append(section(f"{how}\n{rate}\nVoting closes {slack_date(rnd.closes_at)}."))
    buttons = []
    if rnd.blind:
        buttons += [
            button("✍️ Answer", f"gb:answer:{rnd.id}", style="primary"),
            button("👀 Read answers", f"gb:peek:{rnd.id}"),
        ]
    buttons.append(button("🗳️ Vote", f"gb:vote:{rnd.id}", style="primary" if not rnd.blind else None))
    if hint_for:
        buttons.append(button("💡 Hint", f"gb:hint:{hint_for}"))
    blocks.append({"type": "actions", "block_id": f"gb_round_{rnd.id}", "elements": buttons})
    return blocks


def round_text(rnd: Round, qtype: QuestionType | None) -> str:
    """The post's notification text (shown where blocks are not)."""
    return clip(f"Daily grill · {type_name(qtype, rnd.question.type)}: {escape(rnd.question.prompt)}", 300)


def post_metadata(round_id: int) -> dict[str, Any]:
    return {"event_type": POST_EVENT, "event_payload": {"round_id": round_id}}


def posted_round(message: dict[str, Any]) -> int | None:
    """The round id a message's metadata names, when it is a round's post."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != POST_EVENT:
        return None
    value = (metadata.get("event_payload") or {}).get("round_id")
    return value if isinstance(value, int) else None


def key_point_lines(key_points: Sequence[KeyPoint | str]) -> list[str]:
    """Must-haves numbered first, then the bonus points marked; a point's criterion in brackets."""
    lines = []
    for number, point in numbered_key_points(key_points):
        tag = f" [{escape(point.criterion)}]" if point.criterion else ""
        lines.append(f"{number}. {escape(point.text)}{tag}" if number else f"☆ _bonus:_ {escape(point.text)}{tag}")
    return lines


def key_points_blocks(key_points: Sequence[KeyPoint], follow_ups: Sequence[str], long_form: str = "") -> list[Block]:
    blocks = [header("Key points"), *(section(c) for c in chunks(key_point_lines(key_points), SECTION_MAX))]
    for follow_up in follow_ups:
        blocks.append(section(f"*Go one level deeper*\n{escape(follow_up)}"))
    if long_form:
        blocks.append(context(f"Long form: `{escape(long_form)}`. Drill it in full: `/drill question {long_form}`."))
    return blocks


def results_messages(
    results: RoundResults, qtype: QuestionType | None, *, late_replies_note: bool
) -> list[list[Block]]:
    """The results as messages of at most 49 blocks (one is kept for a note): ranked answers (split as
    needed), then the key points."""
    rnd = results.round
    lines = results_lines(results, MARKUP)
    ranked = [section(piece) for piece in chunks(lines, SECTION_MAX)]
    title = header(f"Results · {type_name(qtype, rnd.question.type)}")
    room = MESSAGE_BLOCKS_MAX - 2  # the header, and a block for a note
    messages = [[title, *ranked[i : i + room]] for i in range(0, len(ranked), room)]
    key = key_points_blocks(rnd.question.key_points, rnd.question.follow_ups[:1], rnd.question.long_form)
    closing = "Scores: mean rubric share per voter, shrunk toward the workspace's average with a 3-vote prior."
    if late_replies_note:
        closing += " Answers are closed: replies in this thread from now on are discussion and don't count."
    messages.append([*key[: MESSAGE_BLOCKS_MAX - 2], context(closing)])
    return messages


def reminder_text(rnd: Round, pending: Sequence[str]) -> str:
    names = ", ".join(name(n) for n in pending)
    return clip(
        f"⏰ Voting closes {slack_date(rnd.closes_at)}. These answers still have fewer than 2 votes: {names}. "
        "Rate them with *Vote* on the question post, or on an answer: ⋮ More actions > *Rate answer*.",
        SECTION_MAX,
    )


def answer_blocks(display_name: str, body: str, answer_id: int) -> list[Block]:
    """An answer the bot shows for its author (blind reveal, shared drill). The block id names the
    answer, so "Rate answer" on this message needs no database look-up before its form."""
    return [
        {
            "type": "section",
            "block_id": f"{ANSWER_BLOCK}{answer_id}",
            "text": mrkdwn(f"*{name(display_name)}'s answer*"),
        },
        *(section(piece) for piece in chunks(escape(body).split("\n"), SECTION_MAX)),
        context(f"answer #{answer_id} · rate it: ⋮ More actions > Rate answer, or Vote on the post"),
    ]


def answer_shown(message: dict[str, Any]) -> int | None:
    """The answer id a bot message shows, from its first block's id, if it is an answer message."""
    for block in message.get("blocks") or []:
        block_id = str(block.get("block_id", ""))
        if block_id.startswith(ANSWER_BLOCK) and block_id[len(ANSWER_BLOCK) :].isdigit():
            return int(block_id[len(ANSWER_BLOCK) :])
    return None


def answers_for_reading(answers: Sequence[tuple[str, str]], room: int = MODAL_BLOCKS_MAX - 2) -> list[Block]:
    """Answers to read privately (blind mode), within a modal's blocks, each cut to one section."""
    blocks: list[Block] = []
    for display_name, body in answers:
        if len(blocks) + 2 > room:
            blocks.append(context("More answers than fit here: the rest appear in the thread at the reveal."))
            break
        blocks += [section(f"*{name(display_name)}*"), section(escape(body))]
    return blocks


def leaderboard_blocks(board: Board, qtype: QuestionType | None, caller_name: str | None = None) -> list[Block]:
    title = board_title(board, type_name(qtype, board.type_id))
    lines = board_lines(board, MARKUP, caller_name)
    return [header(title), *(section(c) for c in chunks(lines, SECTION_MAX)), context(BOARD_FOOTERS[board.view])]


def settings_blocks(settings: GuildSettings, next_post: datetime | None) -> list[Block]:
    blocks = [header("Daily grill settings")]
    if settings.fault:
        blocks.append(section(fault_warning(settings.fault)))
    channel = f"<#{settings.channel_ref}>" if settings.channel_ref else "not set: run `/grill setup`"
    window = f"{settings.answer_window_minutes} min" if settings.answer_window_minutes else "until close"
    fields = [
        f"*Channel:* {channel}",
        f"*Time:* {settings.post_time} {settings.timezone}",
        f"*Days:* {format_weekdays(settings.weekdays)}",
        f"*State:* {'paused' if settings.paused else 'running'}",
        f"*Blind mode:* {'on' if settings.blind_mode else 'off'}",
        f"*Answers:* {window}",
        f"*Close:* {settings.close_before_next_minutes} min before the next post",
        f"*Reminder:* {settings.reminder_before_close_minutes} min before close",
        f"*Next post:* {slack_date(next_post, '{date_long_pretty} at {time}') if next_post else 'none scheduled'}",
    ]
    blocks.append({"type": "section", "fields": [mrkdwn(f) for f in fields]})
    return blocks


def fault_warning(fault: str) -> str:
    return clip(f"⚠ *Needs an admin:* {escape(fault)}", SECTION_MAX)


def framework_blocks(qtype: QuestionType) -> list[Block]:
    """The answer shape, then each criterion with its anchors (what earns a 0, 1 or 2), then failure modes."""
    blocks = [
        header(f"{qtype.name}: the answer framework"),
        section(f"{escape(qtype.answer_shape)}\n\nEach criterion scores 0 (missing), 1 (partial) or 2 (strong):"),
    ]
    for c in qtype.criteria:
        lines = [f"*{escape(c.label)}*", escape(c.description)]
        lines += [f"`{score}` {escape(anchor)}" for score, anchor in enumerate(c.anchors)]
        blocks.append(section("\n".join(lines)))
    blocks.append(section("*Common failure modes*\n" + "\n".join(f"• {escape(m)}" for m in qtype.failure_modes)))
    return blocks


# --- modals ----------------------------------------------------------------------------------

SCORE_LABELS = ("0 · missing", "1 · partial", "2 · strong")


def modal(
    callback_id: str, title: str, blocks: Sequence[Block], *, submit: str | None = None, metadata: str = ""
) -> dict[str, Any]:
    """A modal view within Slack's limits: title 24, 100 blocks, private_metadata 3,000."""
    if len(metadata) > METADATA_MAX:
        raise ValueError("private_metadata over 3,000 characters")
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_MAX),
        "close": plain("Close", MODAL_TITLE_MAX),
        "blocks": list(blocks[:MODAL_BLOCKS_MAX]),
        "private_metadata": metadata,
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_MAX)
    return view


def notice(title: str, text: str, callback_id: str = "gb:notice") -> dict[str, Any]:
    """A modal that only says something: a result, a refusal, or "working on it"."""
    return modal(callback_id, title, [section(text)])


def rubric_modal(callback_id: str, criteria: Sequence[Criterion], title: str, metadata: str = "") -> dict[str, Any]:
    """One required 0/1/2 radio group per criterion; each option shows what earns it (its anchor)."""
    blocks = []
    for criterion in criteria:
        options = [
            {
                "text": plain(label, OPTION_MAX),
                "value": str(score),
                **({"description": plain(criterion.anchors[score], OPTION_MAX)} if criterion.anchors else {}),
            }
            for score, label in enumerate(SCORE_LABELS)
        ]
        blocks.append(
            {
                "type": "input",
                "block_id": f"c_{criterion.id}",
                "label": plain(criterion.label, 2000),
                "hint": plain(criterion.description, 2000),
                "element": {"type": "radio_buttons", "action_id": "score", "options": options},
            }
        )
    return modal(callback_id, title, blocks, submit="Submit", metadata=metadata)


def rubric_scores(state_values: dict[str, Any]) -> dict[str, int]:
    """Criterion id -> 0/1/2 from a submitted rubric modal; anything else is left for the core to name."""
    scores = {}
    for block_id, actions in state_values.items():
        selected = ((actions or {}).get("score") or {}).get("selected_option") or {}
        value = str(selected.get("value", ""))
        if block_id.startswith("c_") and value.isdigit():
            scores[block_id[2:]] = int(value)
    return scores


def answer_modal(callback_id: str, title: str, hint: str, metadata: str = "", limit: int = ANSWER_INPUT_MAX) -> dict:
    field = {
        "type": "plain_text_input",
        "action_id": "answer",
        "multiline": True,
        "min_length": 1,
        "max_length": min(limit, ANSWER_INPUT_MAX),
    }
    block = {
        "type": "input",
        "block_id": "answer",
        "label": plain("Your answer"),
        "hint": plain(hint),
        "element": field,
    }
    return modal(callback_id, title, [block], submit="Send", metadata=metadata)


def answer_text(state_values: dict[str, Any]) -> str:
    return str(((state_values.get("answer") or {}).get("answer") or {}).get("value") or "")
