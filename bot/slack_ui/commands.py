"""Slash-command text -> arguments. Slack sends a command's text as typed (channels escaped as
`<#C123|name>`: the manifest sets `should_escape`); these parsers only split and name the parts,
and the core's validators judge the values, with the same messages as on Discord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.errors import InvalidInput

GRILL_USAGE = (
    "Usage: `/grill setup #channel HH:MM Area/City [days] [blind]` · `/grill timing [answer_minutes=N] "
    "[close_before_next=N] [reminder_before_close=N]` · `/grill pause` · `/grill resume` · "
    "`/grill skip YYYY-MM-DD` · `/grill post` · `/grill close` · `/grill settings` · `/grill import` · "
    "`/grill export`"
)
SUBCOMMANDS = ("setup", "timing", "pause", "resume", "skip", "post", "close", "settings", "import", "export")
CHANNEL = re.compile(r"<#(?P<id>[CG][A-Z0-9]+)(?:\|[^>]*)?>")
TIMING_OPTIONS = {
    "answer_minutes": "answer_window_minutes",
    "close_before_next": "close_before_next_minutes",
    "reminder_before_close": "reminder_before_close_minutes",
}
BLIND_WORDS = {"blind": True, "blind=on": True, "blind:on": True, "blind=off": False, "blind:off": False}


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    args: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class SetupArgs:
    channel: str
    time: str
    timezone: str
    days: str = "daily"
    blind: bool | None = None


def split(text: str) -> Command:
    """`/grill <sub> …` -> the subcommand and its words; InvalidInput with the usage otherwise."""
    words = text.split()
    if not words or words[0].lower() not in SUBCOMMANDS:
        said = f"`{words[0]}` is not a /grill command. " if words else ""
        raise InvalidInput(f"{said}{GRILL_USAGE}")
    return Command(words[0].lower(), tuple(words[1:]))


def channel_id(word: str) -> str:
    match = CHANNEL.fullmatch(word)
    if match is None:
        raise InvalidInput(
            f"`{word}` is not a channel I can use. Type # and pick the channel from Slack's list, "
            "so Slack sends its id: `/grill setup #grill 09:00 Europe/Paris`."
        )
    return match["id"]


def setup_args(args: tuple[str, ...]) -> SetupArgs:
    """`#channel HH:MM Area/City [days] [blind|blind=off]` in that order (days and blind optional)."""
    if len(args) < 3:
        raise InvalidInput(
            "Setup needs a channel, a local time and a time zone: `/grill setup #grill 09:00 Europe/Paris "
            "[daily|weekdays|mon,wed,fri] [blind]`."
        )
    rest = list(args[3:])
    blind = None
    if rest and rest[-1].lower() in BLIND_WORDS:
        blind = BLIND_WORDS[rest.pop().lower()]
    if len(rest) > 1:
        raise InvalidInput(
            f"I don't know what to do with `{' '.join(rest[1:])}`. Days go as one word "
            "(`weekdays`, `mon-fri`, `mon,wed,fri`), then optionally `blind`."
        )
    return SetupArgs(channel_id(args[0]), args[1], args[2], rest[0] if rest else "daily", blind)


def timing_changes(args: tuple[str, ...]) -> dict[str, object]:
    """`answer_minutes=N close_before_next=N reminder_before_close=N` (any, any order; `:` works too)
    -> the settings to change. `answer_minutes=0` means until close. Ranges are the core's to check."""
    changes: dict[str, object] = {}
    for word in args:
        key, sep, value = word.replace(":", "=", 1).partition("=")
        if not sep or key not in TIMING_OPTIONS:
            raise InvalidInput(
                f"`{word}` is not a timing option. Use answer_minutes=N, close_before_next=N or "
                "reminder_before_close=N (minutes)."
            )
        if not value.isdigit():
            raise InvalidInput(f"{key} takes a whole number of minutes, not `{value}`.")
        minutes = int(value)
        changes[TIMING_OPTIONS[key]] = (minutes or None) if key == "answer_minutes" else minutes
    return changes


def skip_date(args: tuple[str, ...]) -> str:
    if len(args) != 1:
        raise InvalidInput("Skip takes one date: `/grill skip 2026-12-25`.")
    return args[0]


def options(text: str, known: tuple[str, ...]) -> dict[str, str]:
    """`key=value` (or `key:value`) words of a member command (`/drill type=coding topic=kv-cache`);
    a bare word is the first known key's value. Unknown keys are refused with the list."""
    found: dict[str, str] = {}
    for word in text.split():
        key, sep, value = word.replace(":", "=", 1).partition("=")
        if not sep:
            key, value = known[0], word
        if key not in known:
            raise InvalidInput(f"`{key}` is not an option here. Options: {', '.join(known)} (as key=value).")
        found[key] = value
    return found


def split_or_none(text: str) -> str | None:
    """The subcommand word as typed (lower case), without judging it: for routing before the ack."""
    words = text.split()
    return words[0].lower() if words else None
