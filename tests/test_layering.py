"""bot/core and bot/storage stay platform-neutral, and each front end imports only its own platform:
an AST scan of their imports keeps it so."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
NEUTRAL = {
    "bot/core": {
        "discord",
        "aiosqlite",
        "apscheduler",
        "matplotlib",
        "slack_bolt",
        "slack_sdk",
        "bot.storage",
        "bot.discord_ui",
        "bot.slack_ui",
        "cogs",
    },
    "bot/storage": {"discord", "apscheduler", "slack_bolt", "slack_sdk", "bot.discord_ui", "bot.slack_ui", "cogs"},
    "bot/slack_ui": {"discord", "bot.discord_ui", "cogs", "aiosqlite", "bot.storage"},
    "bot/discord_ui": {"slack_bolt", "slack_sdk", "bot.slack_ui"},
    "cogs": {"slack_bolt", "slack_sdk", "bot.slack_ui"},
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def banned_hits(names: set[str], banned: set[str]) -> set[str]:
    return {n for n in names if any(n == b or n.startswith(b + ".") for b in banned)}


@pytest.mark.parametrize("package", sorted(NEUTRAL))
def test_package_imports_no_front_end(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package} has no modules"
    leaks = {
        str(path.relative_to(ROOT)): hits
        for path in files
        if (hits := banned_hits(imported_modules(path), NEUTRAL[package]))
    }
    assert leaks == {}


def test_the_scan_catches_submodule_imports(tmp_path):
    sample = tmp_path / "leak.py"
    sample.write_text("from discord.ext import commands\nimport aiosqlite\n")
    assert banned_hits(imported_modules(sample), NEUTRAL["bot/core"]) == {"discord.ext", "aiosqlite"}
