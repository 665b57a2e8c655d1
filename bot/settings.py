"""Process settings from the environment (a `.env` file is read too). Read once, in `main`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

DEFAULT_DB = "data/grillbot.db"
DEFAULT_CONTENT = Path(__file__).resolve().parent.parent / "content"


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = field(default=None, repr=False)  # never printed
    db_path: str = DEFAULT_DB
    content_dir: Path = DEFAULT_CONTENT
    log_level: str | None = None  # None: INFO for the bot, WARNING for the interactive commands
    log_file: str | None = None
    dev_guild_id: int | None = None  # sync commands to this guild only (instant), for development


def load_settings(env_file: str | None = ".env") -> Settings:
    """Build Settings from the environment; `.env` fills in what the environment leaves unset."""
    if env_file and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    env = os.environ
    dev_guild = env.get("GRILLBOT_DEV_GUILD", "").strip()
    return Settings(
        token=env.get("DISCORD_TOKEN", "").strip() or None,
        db_path=env.get("GRILLBOT_DB", "").strip() or DEFAULT_DB,
        content_dir=Path(env.get("GRILLBOT_CONTENT", "").strip() or DEFAULT_CONTENT),
        log_level=env.get("GRILLBOT_LOG_LEVEL", "").strip().upper() or None,
        log_file=env.get("GRILLBOT_LOG_FILE", "").strip() or None,
        dev_guild_id=int(dev_guild) if dev_guild.isdigit() else None,
    )
