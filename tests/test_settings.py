"""Environment values grillbot cannot use are refused at start with the variable and the fix."""

from __future__ import annotations

import re

import pytest

import bot.__main__ as cli
from bot.settings import DEFAULT_STEP_LEASE_SECONDS, SettingsError, load_settings

VARIABLES = (
    "DISCORD_TOKEN",
    "GRILLBOT_DEV_GUILD",
    "GRILLBOT_LOG_LEVEL",
    "GRILLBOT_DB",
    "GRILLBOT_CONTENT",
    "GRILLBOT_STEP_LEASE_SECONDS",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "GRILLBOT_SLACK_API_BASE",
    "GRILLBOT_SLACK_ADMIN_GROUP",
    "GRILLBOT_DATABASE_URL",
)


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment in a folder without a .env file."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_no_token_says_how_to_set_up_either_platform_and_how_to_practise(env, capsys):
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("No chat platform is configured, so the bot cannot start.")
    assert "DISCORD_TOKEN=" in err and "SLACK_BOT_TOKEN=" in err and "SLACK_APP_TOKEN=" in err
    assert "slack/manifest.yml" in err
    assert "python -m bot practice" in err


def test_slack_tokens_must_come_in_pairs_and_of_their_kind(env, capsys):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-secret-1")
    with pytest.raises(SettingsError, match="Slack needs both tokens and SLACK_APP_TOKEN is not set") as refused:
        load_settings()
    assert "secret" not in str(refused.value)
    env.setenv("SLACK_APP_TOKEN", "xoxb-secret-2")
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN is not an app-level token") as refused:
        load_settings()
    assert "secret" not in str(refused.value)
    env.setenv("SLACK_BOT_TOKEN", "xapp-secret-3")
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN is not a bot token"):
        load_settings()
    assert cli.main(["run"]) == 2
    assert "secret" not in capsys.readouterr().err
    env.setenv("SLACK_BOT_TOKEN", "xoxb-secret-1")
    env.setenv("SLACK_APP_TOKEN", "xapp-secret-2")
    settings = load_settings()
    assert settings.slack and "secret" not in repr(settings)


def test_an_admin_group_that_is_not_a_user_group_id_is_refused(env):
    env.setenv("GRILLBOT_SLACK_ADMIN_GROUP", "admins")
    with pytest.raises(SettingsError, match="GRILLBOT_SLACK_ADMIN_GROUP is 'admins', which is not a Slack user group"):
        load_settings()
    env.setenv("GRILLBOT_SLACK_ADMIN_GROUP", "S0123ABC")
    assert load_settings().slack_admin_group == "S0123ABC"


def test_a_dev_guild_that_is_not_a_server_id_is_refused(env, capsys):
    env.setenv("GRILLBOT_DEV_GUILD", "my-server")
    with pytest.raises(SettingsError, match="GRILLBOT_DEV_GUILD is 'my-server', which is not a server id"):
        load_settings()
    env.setenv("DISCORD_TOKEN", "x")
    assert cli.main(["run"]) == 2
    assert "Copy Server ID" in capsys.readouterr().err
    env.setenv("GRILLBOT_DEV_GUILD", " 123 ")
    assert load_settings().dev_guild_id == 123


def test_an_unknown_log_level_is_refused(env, capsys):
    env.setenv("GRILLBOT_LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match=re.escape("GRILLBOT_LOG_LEVEL is 'LOUD'. Use one of DEBUG, INFO")):
        load_settings()
    assert cli.main(["content", "check"]) == 2
    assert "GRILLBOT_LOG_LEVEL" in capsys.readouterr().err
    env.setenv("GRILLBOT_LOG_LEVEL", "warning")
    assert load_settings().log_level == "WARNING"


def test_the_step_lease_is_read_from_the_environment(env):
    assert load_settings().step_lease_seconds == DEFAULT_STEP_LEASE_SECONDS == 60
    env.setenv("GRILLBOT_STEP_LEASE_SECONDS", " 4 ")
    assert load_settings().step_lease_seconds == 4


@pytest.mark.parametrize("value", ["0", "-5", "soon", "1.5"])
def test_an_unusable_step_lease_is_refused(env, value):
    env.setenv("GRILLBOT_STEP_LEASE_SECONDS", value)
    with pytest.raises(SettingsError, match=f"GRILLBOT_STEP_LEASE_SECONDS is '{re.escape(value)}'"):
        load_settings()


def test_a_database_url_selects_postgresql_and_its_password_is_never_printed(env):
    assert load_settings().database == "data/grillbot.db"  # SQLite by default
    env.setenv("GRILLBOT_DB", "elsewhere.db")
    env.setenv("GRILLBOT_DATABASE_URL", " postgresql://bot:hunter2@db:5432/grill ")
    settings = load_settings()
    assert settings.database == "postgresql://bot:hunter2@db:5432/grill"
    assert "hunter2" not in repr(settings)


def test_a_database_url_that_is_not_postgresql_is_refused_without_its_password(env):
    env.setenv("GRILLBOT_DATABASE_URL", "mysql://bot:hunter2@db/grill")
    with pytest.raises(SettingsError, match=re.escape("GRILLBOT_DATABASE_URL is 'mysql://bot:***@db/grill'")) as error:
        load_settings()
    assert "hunter2" not in str(error.value)
