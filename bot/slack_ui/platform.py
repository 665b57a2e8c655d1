"""Slack's words and limits for the core's messages (see bot/core/platform.py)."""

from __future__ import annotations

from bot.core.platform import Platform
from bot.slack_ui.refs import PREFIX
from bot.slack_ui.render import ANSWER_INPUT_MAX

SLACK = Platform(name=PREFIX.removesuffix(":"), space="workspace", answer_limit=ANSWER_INPUT_MAX)
