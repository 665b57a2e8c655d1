"""What a leaderboard says, worded once for every front end; each passes its own markup.

`show_name` makes a display name safe to show (Slack escapes it), `bold` marks a figure (`*x*` on
Slack, `**x**` on Discord), `type_name` names a type id.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.models import Board, BoardView
from bot.core.text import plural

PERIOD_NAMES = {"week": "this week", "month": "this month", "all": "all time"}
EMPTY = "Nobody on this board yet. Answer today's question or rate an answer to get on it."
FOOTERS = {
    BoardView.POINTS: "Points: sum of answer scores / 10, plus 1 per answer you rated.",
    BoardView.RATING: "Rating: mean answer score, among members with at least 3 scored answers.",
}


def board_title(board: Board, type_name: str) -> str:
    return f"Leaderboard · {type_name} · {PERIOD_NAMES[board.period.value]} · {board.view.value}"


def board_lines(
    board: Board, show_name: Callable[[str], str], bold: Callable[[str], str], caller_name: str | None = None
) -> list[str]:
    """A line per row shown, then the caller's own rank when it is below them (`caller_name` as the
    platform last showed them, when known)."""
    unit = "pts" if board.view is BoardView.POINTS else "avg score"
    lines = [
        f"`#{row.rank:>2}` {show_name(row.display_name)} — {bold(f'{row.value:.1f}')} {unit} "
        f"({plural(row.answers, 'answer')}, {plural(row.votes_cast, 'vote')})"
        for row in board.rows
    ] or [EMPTY]
    caller = board.caller
    if caller is not None and all(r.member_id != caller.member_id for r in board.rows):
        own = f"`#{caller.rank:>2}` {show_name(caller_name or caller.display_name)} — {bold(f'{caller.value:.1f}')}"
        lines += ["…", f"{own} {unit}"]
    return lines
