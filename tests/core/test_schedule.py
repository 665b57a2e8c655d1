import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import InvalidInput
from bot.core.models import GuildSettings
from bot.core.schedule import (
    catch_up_date,
    format_weekdays,
    next_post_at,
    parse_local_date,
    parse_post_time,
    parse_timezone,
    parse_weekdays,
    reminder_at,
    round_windows,
    slot_on,
    streaks,
)

NY = ZoneInfo("America/New_York")


def settings(**kw) -> GuildSettings:
    base = {"space_id": "s", "channel_ref": "c", "post_time": "09:00", "timezone": "America/New_York"}
    return GuildSettings(**{**base, **kw})


@pytest.mark.parametrize("text", ["9", "25:00", "09:60", "nine", "", "09:00pm"])
def test_bad_times_say_how_to_write_one(text):
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_post_time(text)


def test_times_parse():
    assert parse_post_time(" 7:05 ") == time(7, 5)


def test_bad_zone_is_refused_with_a_hint():
    with pytest.raises(InvalidInput, match="did you mean Europe/Paris"):
        parse_timezone("paris")
    with pytest.raises(InvalidInput, match="IANA"):
        parse_timezone("Mars/Olympus")
    with pytest.raises(InvalidInput):
        parse_timezone("EST5EDT/../../etc")


def test_zone_parses():
    assert parse_timezone("Europe/Paris").key == "Europe/Paris"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("daily", (1, 2, 3, 4, 5, 6, 7)),
        ("mon-fri", (1, 2, 3, 4, 5)),
        ("Mon, Wed, Fri", (1, 3, 5)),
        ("fri-mon", (1, 5, 6, 7)),
        ("weekends", (6, 7)),
        ("tuesday", (2,)),
        ("Thurs, SAT", (4, 6)),
    ],
)
def test_weekdays_parse(text, days):
    assert parse_weekdays(text) == days


@pytest.mark.parametrize("text", ["funday", "sundy", "mo", "mon-tue-wed", ",", "1,2"])
def test_bad_weekdays_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_weekdays(text)


def test_no_weekday_at_all_asks_for_one():
    with pytest.raises(InvalidInput, match=re.escape("Pick at least one weekday, for example mon-fri or daily.")):
        parse_weekdays(" , ")
    with pytest.raises(InvalidInput, match=re.escape("'funday' is not a weekday. Use names like mon,wed,fri")):
        parse_weekdays("mon,funday")


def test_weekdays_format_back():
    assert format_weekdays((1, 2, 3, 4, 5)) == "weekdays"
    assert format_weekdays((1, 3)) == "mon,wed"


def test_bad_date():
    with pytest.raises(InvalidInput, match="YYYY-MM-DD"):
        parse_local_date("25/12/2026")


def test_post_stays_at_local_nine_across_spring_forward():
    s = settings()
    before = next_post_at(s, datetime(2026, 3, 6, 15, 0, tzinfo=UTC))
    after = next_post_at(s, before)
    assert before.astimezone(UTC) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert after.astimezone(UTC) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT, the day clocks jump
    assert before.astimezone(NY).hour == after.astimezone(NY).hour == 9


def test_a_time_in_the_dst_gap_fires_once_an_hour_later():
    s = settings(post_time="02:30")
    slot = slot_on(s, date(2026, 3, 8))
    assert slot.astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"


def test_a_time_in_the_fall_back_fold_fires_once():
    s = settings(post_time="01:30")
    slot = slot_on(s, date(2026, 11, 1))
    nxt = next_post_at(s, slot)
    assert slot.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # first 01:30, EDT
    assert nxt.astimezone(NY).date() == date(2026, 11, 2)  # not the second 01:30 on the same day


def test_next_post_respects_weekdays_and_skips():
    s = settings(weekdays=(1, 3, 5))  # mon, wed, fri
    monday_noon = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    assert next_post_at(s, monday_noon).astimezone(NY).date() == date(2026, 12, 2)
    assert next_post_at(s, monday_noon, {date(2026, 12, 2)}).astimezone(NY).date() == date(2026, 12, 4)


def test_round_closes_two_hours_before_the_next_post():
    s = settings()
    opened = slot_on(s, date(2026, 11, 30))
    answers, closes = round_windows(s, date(2026, 11, 30), opened)
    assert closes == slot_on(s, date(2026, 12, 1)) - timedelta(hours=2)
    assert answers == closes


def test_weekly_round_stays_open_until_next_week():
    s = settings(weekdays=(1,))
    opened = slot_on(s, date(2026, 11, 30))
    _, closes = round_windows(s, date(2026, 11, 30), opened)
    assert closes.astimezone(NY) == datetime(2026, 12, 7, 7, 0, tzinfo=NY)


def test_a_late_manual_post_still_closes_before_the_next_day():
    s = settings()
    opened = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)  # 07:30 in New York, before today's slot
    _, closes = round_windows(s, date(2026, 12, 1), opened)
    assert closes.astimezone(NY) == datetime(2026, 12, 2, 7, 0, tzinfo=NY)


def test_answer_window_closes_answers_early():
    s = settings(answer_window_minutes=120)
    opened = slot_on(s, date(2026, 11, 30))
    answers, closes = round_windows(s, date(2026, 11, 30), opened)
    assert answers == opened + timedelta(hours=2) < closes


def test_reminder_before_close_or_none():
    s = settings(reminder_before_close_minutes=180)
    opened = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert reminder_at(s, opened, opened + timedelta(hours=22)) == opened + timedelta(hours=19)
    assert reminder_at(s, opened, opened + timedelta(hours=2)) is None


def test_catch_up_posts_once_only_after_the_slot_on_a_post_day():
    s = settings()
    monday_ten = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    monday_eight = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    assert catch_up_date(s, monday_ten, set(), set()) == date(2026, 11, 30)
    assert catch_up_date(s, monday_ten, set(), {date(2026, 11, 30)}) is None
    assert catch_up_date(s, monday_eight, set(), set()) is None
    assert catch_up_date(s, monday_ten, {date(2026, 11, 30)}, set()) is None
    assert catch_up_date(settings(paused=True), monday_ten, set(), set()) is None


def test_streaks_count_consecutive_rounds_and_ignore_the_open_one():
    days = [date(2026, 11, d) for d in range(1, 8)]
    answered = {days[0], days[1], days[3], days[4], days[5]}
    assert streaks(days, answered, open_date=days[6]) == (3, 3)
    assert streaks(days, answered, open_date=None) == (0, 3)
    assert streaks([], set(), None) == (0, 0)


def test_close_and_reminder_count_local_wall_clock_minutes_across_spring_forward():
    s = settings(close_before_next_minutes=600, reminder_before_close_minutes=180)
    opened = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST; the clocks jump at 02:00 that night
    _, closes = round_windows(s, date(2026, 3, 7), opened)
    assert closes.astimezone(ZoneInfo("America/New_York")).strftime("%d %H:%M %Z") == "07 23:00 EST"
    assert closes.astimezone(UTC) == datetime(2026, 3, 8, 4, 0, tzinfo=UTC)  # not 13:00 - 10 h = 03:00 UTC
    reminder = reminder_at(s, opened, closes.astimezone(UTC))  # as stored: in UTC
    assert reminder is not None and reminder.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") == "20:00"


def test_a_reminder_that_lands_in_the_dst_gap_moves_forward():
    s = settings(reminder_before_close_minutes=420)
    closes = datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT, seven wall-clock hours after 02:00
    reminder = reminder_at(s, datetime(2026, 3, 7, 14, 0, tzinfo=UTC), closes)
    assert reminder is not None and reminder.astimezone(UTC) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
