"""What a leaderboard and a round's results say, worded once for every front end, each marking it
up its own way (`Markup`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.models import Board, BoardView, RoundResults
from bot.core.text import plural

PERIOD_NAMES = {"week": "this week", "month": "this month", "all": "all time"}
EMPTY_BOARD = "Nobody on this board yet. Answer today's question or rate an answer to get on it."
BOARD_FOOTERS = {
    BoardView.POINTS: "Points: sum of answer scores / 10, plus 1 per answer you rated.",
    BoardView.RATING: "Rating: mean answer score, among members with at least 3 scored answers.",
}
NO_ANSWERS = "Nobody answered this round. The key points are below, so it still counts as study."
SPLIT_NOTE = "⚠ voters split 0 vs 2 on that criterion: worth discussing in the thread."


@dataclass(frozen=True, slots=True)
class Markup:
    """A front end's markup: `bold` a figure, `name` a member's display name made safe to show, and
    `text` the bank's own text (a criterion label) as the platform must show it."""

    bold: Callable[[str], str]
    name: Callable[[str], str]
    text: Callable[[str], str]


def board_title(board: Board, type_name: str) -> str:
    return f"Leaderboard · {type_name} · {PERIOD_NAMES[board.period.value]} · {board.view.value}"


def board_lines(board: Board, markup: Markup, caller_name: str | None = None) -> list[str]:
    """A line per row shown, then the caller's own rank when it is below them (`caller_name` as the
    platform last showed them, when known)."""
    unit = "pts" if board.view is BoardView.POINTS else "avg score"
    lines = [
        f"`#{row.rank:>2}` {markup.name(row.display_name)} — {markup.bold(f'{row.value:.1f}')} {unit} "
        f"({plural(row.answers, 'answer')}, {plural(row.votes_cast, 'vote')})"
        for row in board.rows
    ] or [EMPTY_BOARD]
    caller = board.caller
    if caller is not None and all(r.member_id != caller.member_id for r in board.rows):
        shown = markup.name(caller_name or caller.display_name)
        lines += ["…", f"`#{caller.rank:>2}` {shown} — {markup.bold(f'{caller.value:.1f}')} {unit}"]
    return lines


def results_lines(results: RoundResults, markup: Markup) -> list[str]:
    """The ranked answers with each criterion's mean (⚠ where voters split), or why there are none."""
    lines = []
    for row in results.answers:
        if row.score is None:
            lines.append(f"– {markup.name(row.display_name)}: no votes")
            continue
        marks = " · ".join(
            f"{markup.text(c.criterion.label)} {c.mean:.1f}{' ⚠' if c.disagreement else ''}"
            for c in row.criteria
            if c.mean is not None
        )
        score = markup.bold(f"{row.score:.1f}")
        lines.append(
            f"{markup.bold(f'{row.rank}.')} {markup.name(row.display_name)} — {score} "
            f"({plural(row.voters, 'vote')})\n{marks}"
        )
    if not lines:
        lines = [NO_ANSWERS]
    if any(c.disagreement for row in results.answers for c in row.criteria):
        lines.append(SPLIT_NOTE)
    return lines
