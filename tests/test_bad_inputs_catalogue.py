"""Keep docs/bad-inputs.md and the code in step.

Each row of the catalogue names a refusal, the words the person gets and the test proving it. This
checks that there are at least 40 rows, that every named test exists, and that every fixed part of
every message (the text between `<placeholders>`) is still in a string literal of `bot/` or
`cogs/`, so a reworded message, or a renamed or deleted test, fails here until the table follows.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "bad-inputs.md"
SOURCES = ("bot", "cogs")
COLUMNS = ("Category", "Input", "Where it comes from", "Message", "Test")
CATEGORIES = (
    "Commands",
    "Components and forms",
    "Crafted ids",
    "Content packs",
    "Settings and environment",
    "Platform faults",
)
MIN_ROWS = 40
PLACEHOLDER = re.compile(r"<[^<>]+>")
SILENT = re.compile(r"<no message: [^<>]+>")  # a fault nobody is told about: retried quietly
LINE_BREAK = "↵"
PROBLEM_PREFIX = "<file>:<line>: "  # how every content problem is printed
HOLE = "\x00"  # where an f-string interpolates: no fixed part can span it
MIN_FIXED_CHARS = 6  # a message must have at least one fixed part this long to prove anything


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    category: str
    input: str
    source: str
    message: str
    test: str


def parse_catalogue(text: str) -> list[Row]:
    """The rows of the table whose header is COLUMNS; a row with the wrong shape is an error."""
    rows: list[Row] = []
    in_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if tuple(cells) == COLUMNS:
            in_table = True
            continue
        if not in_table or set(line) <= set("|-: "):
            continue
        assert len(cells) == len(COLUMNS), f"line {number}: {len(cells)} cells, want {len(COLUMNS)}"
        category, source_input, where, message, test = cells
        rows.append(Row(number, category, source_input, where, _code(message, number), _code(test, number)))
    return rows


def _code(cell: str, number: int) -> str:
    """The text of a cell that is one code span: `x` or `` x `` (for text holding a backtick)."""
    match = re.fullmatch(r"``\s(.+)\s``|`([^`]+)`", cell)
    assert match, f"line {number}: {cell!r} is not a single code span"
    return match[1] if match[1] is not None else match[2]


def fixed_parts(message: str) -> list[str]:
    """The message's text between placeholders, with ↵ read as a line break."""
    parts = PLACEHOLDER.split(message.replace(LINE_BREAK, "\n"))
    return [p for p in parts if p]


@cache
def source_literals() -> tuple[str, ...]:
    """Every string literal in bot/ and cogs/, f-strings with each hole marked, adjacent literals joined."""
    literals: list[str] = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            nested: set[int] = set()
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr):
                    nested.update(id(v) for v in node.values)
                    literals.append("".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in nested:
                    literals.append(node.value)
    return tuple(literals)


def in_code(message: str, literals: tuple[str, ...]) -> bool:
    """Whether one literal holds every fixed part of `message`, in order (placeholders match anything).

    A content problem's `<file>:<line>: ` prefix is added by `Problem.__str__`, so it is checked
    there and the rest of the message in the literal the problem was made from."""
    if message.startswith(PROBLEM_PREFIX):
        if f"{HOLE}:{HOLE}: {HOLE}" not in literals:
            return False
        message = message.removeprefix(PROBLEM_PREFIX)
    pattern = re.compile(".*?".join(re.escape(part) for part in fixed_parts(message)), re.DOTALL)
    return any(pattern.search(literal) for literal in literals)


def named_test_problem(test: str) -> str | None:
    """None when `path::name` names a test function defined in that file, else what is wrong."""
    path_text, _, name = test.partition("::")
    path = ROOT / path_text
    if not path_text.startswith("tests/") or not name:
        return f"{test!r} is not tests/<file>.py::<test name>"
    if not path.is_file():
        return f"{path_text} does not exist"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    return None if name in defined and name.startswith("test_") else f"{path_text} defines no test {name}"


ROWS = parse_catalogue(CATALOGUE.read_text(encoding="utf-8"))


def test_the_catalogue_has_at_least_40_rows_in_known_categories():
    assert len(ROWS) >= MIN_ROWS
    counts = Counter(row.category for row in ROWS)
    assert set(counts) <= set(CATEGORIES), set(counts) - set(CATEGORIES)
    assert all(counts[c] >= 3 for c in CATEGORIES), counts


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"line{r.line}")
def test_each_rows_test_exists(row: Row):
    assert named_test_problem(row.test) is None, f"docs/bad-inputs.md:{row.line}: {named_test_problem(row.test)}"


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"line{r.line}")
def test_each_rows_message_is_in_the_code(row: Row):
    if SILENT.fullmatch(row.message):
        return
    parts = fixed_parts(row.message)
    assert any(len(p.strip()) >= MIN_FIXED_CHARS for p in parts), f"line {row.line}: the message is all placeholders"
    assert in_code(row.message, source_literals()), f"docs/bad-inputs.md:{row.line}: not in bot/ or cogs/"


def test_a_reworded_message_or_a_missing_test_is_caught():
    literals = ("That round isn't one of this server's rounds", "'\x00' is not a time. Use 24-hour HH:MM.")
    assert in_code("'<time>' is not a time. Use 24-hour HH:MM.", literals)
    assert not in_code("'<time>' is not a valid time. Use 24-hour HH:MM.", literals)
    assert not in_code("That round isn't <x> one of this server's rounds", literals)
    assert not in_code("Use 24-hour HH:MM. '<time>' is not a time.", literals)  # parts out of order
    assert not in_code("<file>:<line>: is not a time", literals)  # no Problem.__str__ among these
    assert in_code("<file>:<line>: is not a time", (*literals, "\x00:\x00: \x00"))
    assert named_test_problem("tests/core/test_schedule.py::test_bad_date") is None
    assert named_test_problem("tests/core/test_schedule.py::test_no_such_test") is not None
    assert named_test_problem("tests/core/no_such_file.py::test_bad_date") is not None


def test_a_malformed_row_is_refused():
    header = "| " + " | ".join(COLUMNS) + " |\n|---|---|---|---|---|\n"
    good = header + "| Commands | x | y | `` a `b` message `` | `tests/t.py::test_x` |\n"
    (row,) = parse_catalogue(good)
    assert (row.message, row.test) == ("a `b` message", "tests/t.py::test_x")
    with pytest.raises(AssertionError, match="not a single code span"):
        parse_catalogue(header + "| Commands | x | y | a message | `tests/t.py::test_x` |\n")
    with pytest.raises(AssertionError, match="cells"):
        parse_catalogue(header + "| Commands | x | `` m `` | `tests/t.py::test_x` |\n")


def test_the_readme_links_the_catalogue():
    tests_section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Tests", 1)[1].split("\n## ", 1)[0]
    assert "docs/bad-inputs.md" in tests_section
