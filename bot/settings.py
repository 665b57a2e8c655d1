"""Process settings from the environment (a `.env` file is read too). Read once, in `main`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

from bot.storage.engine import is_postgres_url, redact

DEFAULT_DB = "data/grillbot.db"
DEFAULT_CONTENT = Path(__file__).resolve().parent.parent / "content"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_STEP_LEASE_SECONDS = 60


class SettingsError(Exception):
    """An environment variable holds a value grillbot cannot use; the message names it and the fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = field(default=None, repr=False)  # never printed
    db_path: str = DEFAULT_DB
    database_url: str | None = field(default=None, repr=False)  # PostgreSQL; holds a password: never printed
    content_dir: Path = DEFAULT_CONTENT
    log_level: str | None = None  # None: INFO for the bot, WARNING for the interactive commands
    log_file: str | None = None
    dev_guild_id: int | None = None  # sync commands to this guild only (instant), for development
    step_lease_seconds: int = DEFAULT_STEP_LEASE_SECONDS  # a dead process's claimed steps free up after this
    slack_bot_token: str | None = field(default=None, repr=False)  # xoxb-…, never printed
    slack_app_token: str | None = field(default=None, repr=False)  # xapp-… (Socket Mode), never printed
    slack_api_base: str | None = None  # tests only: the Web API base URL of a local Slack double
    slack_admin_group: str | None = None  # a Slack user group (S…) whose members may run /grill

    @property
    def slack(self) -> bool:
        """Both Slack tokens are set: the Slack front end runs."""
        return bool(self.slack_bot_token and self.slack_app_token)

    @property
    def database(self) -> str:
        """What `open_services` opens: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.db_path


def load_settings(env_file: str | None = ".env") -> Settings:
    """Build Settings from the environment; `.env` fills in what the environment leaves unset.

    Raises SettingsError for a value that would otherwise be ignored or fail later as a traceback."""
    if env_file and Path(env_file).is_file():
        load_dotenv(env_file, override=False)
    env = os.environ
    dev_guild = env.get("GRILLBOT_DEV_GUILD", "").strip()
    if dev_guild and not dev_guild.isdigit():
        raise SettingsError(
            f"GRILLBOT_DEV_GUILD is '{dev_guild}', which is not a server id. Set it to the server's id "
            "(digits only: Developer Mode, then right-click the server > Copy Server ID), or unset it."
        )
    log_level = env.get("GRILLBOT_LOG_LEVEL", "").strip().upper()
    if log_level and log_level not in LOG_LEVELS:
        raise SettingsError(f"GRILLBOT_LOG_LEVEL is '{log_level}'. Use one of {', '.join(LOG_LEVELS)}, or unset it.")
    lease = env.get("GRILLBOT_STEP_LEASE_SECONDS", "").strip()
    if lease and not (lease.isdigit() and int(lease) > 0):
        raise SettingsError(
            f"GRILLBOT_STEP_LEASE_SECONDS is '{lease}'. Set it to a whole number of seconds above 0 "
            f"(default {DEFAULT_STEP_LEASE_SECONDS}), or unset it."
        )
    slack_bot, slack_app = _slack_tokens(env)
    admin_group = env.get("GRILLBOT_SLACK_ADMIN_GROUP", "").strip()
    if admin_group and not (admin_group.startswith("S") and admin_group.isalnum()):
        raise SettingsError(
            f"GRILLBOT_SLACK_ADMIN_GROUP is '{admin_group}', which is not a Slack user group id. Set it to the "
            "group's id (it starts with S: the group's page > ⋮ > Copy group ID), or unset it."
        )
    database_url = env.get("GRILLBOT_DATABASE_URL", "").strip()
    if database_url and not is_postgres_url(database_url):
        raise SettingsError(
            f"GRILLBOT_DATABASE_URL is '{redact(database_url)}', which is not a PostgreSQL URL. Set it to "
            "postgresql://user:password@host:5432/dbname, or unset it to use the SQLite file at GRILLBOT_DB."
        )
    return Settings(
        slack_bot_token=slack_bot,
        slack_app_token=slack_app,
        slack_api_base=env.get("GRILLBOT_SLACK_API_BASE", "").strip() or None,
        slack_admin_group=admin_group or None,
        token=env.get("DISCORD_TOKEN", "").strip() or None,
        db_path=env.get("GRILLBOT_DB", "").strip() or DEFAULT_DB,
        database_url=database_url or None,
        content_dir=Path(env.get("GRILLBOT_CONTENT", "").strip() or DEFAULT_CONTENT),
        log_level=log_level or None,
        log_file=env.get("GRILLBOT_LOG_FILE", "").strip() or None,
        dev_guild_id=int(dev_guild) if dev_guild.isdigit() else None,
        step_lease_seconds=int(lease) if lease else DEFAULT_STEP_LEASE_SECONDS,
    )


def _slack_tokens(env: os._Environ[str] | dict[str, str]) -> tuple[str | None, str | None]:
    """SLACK_BOT_TOKEN and SLACK_APP_TOKEN, both or neither, each of its kind; the values are never shown."""
    bot = env.get("SLACK_BOT_TOKEN", "").strip() or None
    app = env.get("SLACK_APP_TOKEN", "").strip() or None
    if bot and not bot.startswith("xoxb-"):
        raise SettingsError(
            "SLACK_BOT_TOKEN is not a bot token (those start with xoxb-). Copy the Bot User OAuth Token "
            "from your Slack app's OAuth & Permissions page."
        )
    if app and not app.startswith("xapp-"):
        raise SettingsError(
            "SLACK_APP_TOKEN is not an app-level token (those start with xapp-). Create one with the "
            "connections:write scope under your Slack app's Basic Information > App-Level Tokens."
        )
    if bool(bot) != bool(app):
        missing = "SLACK_APP_TOKEN" if bot else "SLACK_BOT_TOKEN"
        raise SettingsError(
            f"Slack needs both tokens and {missing} is not set. README: Slack says where each one comes from; "
            "unset the other to run without Slack."
        )
    return bot, app
