"""The app manifest the bot ships (YAML in the repo): which slash commands, shortcuts and bot events
a workspace would have, so the harness only sends what Slack would send."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "node_modules", "tests"}


@dataclass(frozen=True, slots=True)
class Manifest:
    path: Path
    commands: frozenset[str]  # "/grill", "/drill", ...
    shortcuts: dict[str, str]  # message shortcut name -> callback_id
    bot_events: frozenset[str]  # "message.channels", "app_home_opened", ...


def _candidates(root: Path) -> list[Path]:
    return sorted(
        p
        for pattern in ("*manifest*.yml", "*manifest*.yaml")
        for p in root.rglob(pattern)
        if not SKIP & set(p.relative_to(root).parts)
    )


@functools.cache
def find_manifest(root: Path = REPO_ROOT) -> Manifest | None:
    """The first YAML file named *manifest* that looks like a Slack app manifest, or None."""
    for path in _candidates(root):
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "features" in data:
            return parse(path, data)
    return None


def parse(path: Path, data: dict[str, Any]) -> Manifest:
    features = data.get("features") or {}
    shortcuts = {
        s["name"]: s["callback_id"] for s in features.get("shortcuts") or [] if s.get("type", "message") == "message"
    }
    events = ((data.get("settings") or {}).get("event_subscriptions") or {}).get("bot_events") or []
    return Manifest(
        path,
        frozenset(c["command"] for c in features.get("slash_commands") or []),
        shortcuts,
        frozenset(events),
    )
