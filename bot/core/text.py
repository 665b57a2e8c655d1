"""Fitting text into a platform's length limits (each front end passes its own), and counting nouns."""

from __future__ import annotations

from collections.abc import Iterable


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(lines: Iterable[str], limit: int) -> list[str]:
    """Lines joined into pieces of at most `limit` characters (a line longer than that is clipped)."""
    pieces, current = [], ""
    for line in lines:
        line = clip(line, limit)
        if current and len(current) + 1 + len(line) > limit:
            pieces.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        pieces.append(current)
    return pieces
