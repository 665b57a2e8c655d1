"""Discord's words and limits for the core's messages (see bot/core/platform.py)."""

from __future__ import annotations

from bot.core.platform import Platform
from bot.discord_ui.refs import PREFIX

DISCORD = Platform(name=PREFIX.removesuffix(":"), space="server", answer_limit=4000)  # a text input's max_length
