"""Ids that come back from members (in a button, a form, a command option) are untrusted text.

A front end turns the text into an int with `row_id`; every use case then checks the id with
`names_a_row` before any look-up, so an id SQLite cannot hold (above 2^63 - 1, zero or negative,
or text that is no number) is refused exactly like an id that names nothing, never a traceback.
"""

from __future__ import annotations

import re

MAX_ROW_ID = 2**63 - 1  # SQLite's largest INTEGER; no row can have a larger id
_NUMBER = re.compile(r"-?[0-9]{1,40}")


def row_id(text: str) -> int:
    """The integer `text` spells, or -1 (which names no row) when it spells none."""
    return int(text) if _NUMBER.fullmatch(text) else -1


def names_a_row(value: int) -> bool:
    return 0 < value <= MAX_ROW_ID
