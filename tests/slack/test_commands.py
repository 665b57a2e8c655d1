"""Slash-command text parsing: the parts are named here, the values judged by the core."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.slack_ui import commands


def test_setup_text_with_slacks_escaped_channel_days_and_blind():
    command = commands.split("setup <#C0GRILL|grill> 09:00 Europe/Paris weekdays blind")
    assert command.name == "setup"
    args = commands.setup_args(command.args)
    assert (args.channel, args.time, args.timezone, args.days, args.blind) == (
        "C0GRILL",
        "09:00",
        "Europe/Paris",
        "weekdays",
        True,
    )
    bare = commands.setup_args(("<#G0PRIV>", "7:30", "UTC"))
    assert (bare.channel, bare.days, bare.blind) == ("G0PRIV", "daily", None)
    assert commands.setup_args(("<#C1|x>", "09:00", "UTC", "blind=off")).blind is False


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Usage: `/grill setup"),
        ("launch", "`launch` is not a /grill command."),
        ("setup #grill 09:00 Europe/Paris", "`#grill` is not a channel I can use. Type # and pick the channel"),
        ("setup <#C1|grill> 09:00", "Setup needs a channel, a local time and a time zone"),
        ("setup <#C1|grill> 09:00 UTC mon wed", "I don't know what to do with `wed`"),
    ],
)
def test_bad_grill_text_says_what_to_type(text, says):
    with pytest.raises(InvalidInput, match=None) as refused:
        command = commands.split(text)
        commands.setup_args(command.args)
    assert says in refused.value.message


def test_timing_options_in_any_order_and_zero_answer_minutes_means_until_close():
    assert commands.timing_changes(("reminder_before_close=30", "answer_minutes:0", "close_before_next=90")) == {
        "reminder_before_close_minutes": 30,
        "answer_window_minutes": None,
        "close_before_next_minutes": 90,
    }
    with pytest.raises(InvalidInput, match="`soon=1` is not a timing option"):
        commands.timing_changes(("soon=1",))
    with pytest.raises(InvalidInput, match="answer_minutes takes a whole number of minutes, not `ten`"):
        commands.timing_changes(("answer_minutes=ten",))


def test_member_options_take_key_value_or_a_bare_first_option():
    known = ("type", "topic", "difficulty")
    assert commands.options("coding topic=kv-cache difficulty:2", known) == {
        "type": "coding",
        "topic": "kv-cache",
        "difficulty": "2",
    }
    with pytest.raises(InvalidInput, match=r"`level` is not an option here\. Options: type, topic, difficulty"):
        commands.options("level=3", known)


def test_skip_takes_one_date():
    assert commands.skip_date(("2026-12-25",)) == "2026-12-25"
    with pytest.raises(InvalidInput, match="Skip takes one date"):
        commands.skip_date(())
