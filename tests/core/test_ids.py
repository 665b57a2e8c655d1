"""Ids from members are text; only 1..2^63-1 can name a row, everything else is refused alike."""

import pytest

from bot.core.ids import MAX_ROW_ID, names_a_row, row_id


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("1", True),
        ("9223372036854775807", True),  # SQLite's largest INTEGER
        ("9223372036854775808", False),  # one more: SQLite raises OverflowError on it
        ("99999999999999999999", False),
        ("0", False),
        ("-1", False),
        ("abc", False),
        ("1e3", False),
        ("٣", False),  # a digit, but not an ASCII one
        ("", False),
        ("9" * 100, False),
    ],
)
def test_only_ids_sqlite_can_hold_name_a_row(text, names):
    assert names_a_row(row_id(text)) is names


def test_row_id_reads_plain_numbers():
    assert row_id(str(MAX_ROW_ID)) == MAX_ROW_ID and row_id("-5") == -5 and row_id("x") == -1
