"""Time rules for the daily grill: parsing admin input, post instants, windows, catch-up, streaks.

All instants are timezone-aware. A local post time that does not exist on a DST spring-forward
day maps to the same offset as before the gap (02:30 becomes 03:30), and an ambiguous one on a
fall-back day means its first occurrence, as `zoneinfo` does with fold=0. The guard against a
double post is the store's unique (space, local date) row, never the scheduler.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import InvalidInput
from bot.core.models import GuildSettings

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_ALIASES = {
    "daily": (1, 2, 3, 4, 5, 6, 7),
    "every day": (1, 2, 3, 4, 5, 6, 7),
    "weekdays": (1, 2, 3, 4, 5),
    "weekends": (6, 7),
}
MIN_ROUND = timedelta(hours=1)
FALLBACK_ROUND = timedelta(hours=22)  # when no later post exists to close before
SEARCH_DAYS = 400


def parse_post_time(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput(f"'{text}' is not a time. Use 24-hour HH:MM, for example 09:00 or 18:30.")
    return time(int(match[1]), int(match[2]))


def parse_timezone(name: str) -> ZoneInfo:
    cleaned = name.strip()
    try:
        if "/" in cleaned or cleaned == "UTC":
            return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    hint = _zone_hint(cleaned)
    raise InvalidInput(f"'{name}' is not an IANA time zone. Use a name like Europe/Paris or America/New_York{hint}.")


def _zone_hint(name: str) -> str:
    wanted = name.lower().replace(" ", "_")
    matches = sorted(z for z in available_timezones() if wanted and wanted in z.lower())
    return f" (did you mean {matches[0]}?)" if matches else ""


def parse_weekdays(text: str) -> tuple[int, ...]:
    """'mon,wed,fri', 'mon-fri', 'daily', 'weekdays' or 'weekends' -> ISO weekday numbers."""
    cleaned = text.strip().lower()
    if cleaned in WEEKDAY_ALIASES:
        return WEEKDAY_ALIASES[cleaned]
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in re.split(r"[,\s]+", cleaned))):
        ends = part.split("-")
        if len(ends) > 2 or any(_weekday(e) is None for e in ends):
            raise InvalidInput(
                f"'{part}' is not a weekday. Use names like mon,wed,fri, a range like mon-fri, or daily."
            )
        first, last = (_weekday(e) or 0 for e in (ends[0], ends[-1]))
        span = range(first, last + 1) if first <= last else [*range(first, 8), *range(1, last + 1)]
        days.update(span)
    if not days:
        raise InvalidInput("Pick at least one weekday, for example mon-fri or daily.")
    return tuple(sorted(days))


def _weekday(word: str) -> int | None:
    """ISO number of a day named in full or by a prefix of 3+ letters ("wed", "thurs"), else None."""
    if len(word) < 3:
        return None
    return next((i for i, full in enumerate(WEEKDAY_FULL_NAMES, 1) if full.startswith(word)), None)


def format_weekdays(days: Sequence[int]) -> str:
    for alias, members in WEEKDAY_ALIASES.items():
        if tuple(days) == members and alias != "every day":
            return alias
    return ",".join(WEEKDAY_NAMES[d - 1] for d in days)


def parse_local_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"'{text}' is not a date. Use YYYY-MM-DD, for example 2026-12-25.") from None


def local_today(settings: GuildSettings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def slot_on(settings: GuildSettings, day: date) -> datetime:
    """The instant of the post on local `day`."""
    at = parse_post_time(settings.post_time)
    local = datetime.combine(day, at, tzinfo=ZoneInfo(settings.timezone))
    # Normalise through UTC so a time inside a DST gap becomes the real instant it names.
    return local.astimezone(UTC).astimezone(local.tzinfo)


def wall_clock_before(at: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """The instant `minutes` before `at` on the space's own wall clock: "close 2 hours before the
    09:00 post" means 07:00 local, even across a DST change that makes the night an hour shorter
    or longer. A result inside a DST gap moves forward as `slot_on` does."""
    local = at.astimezone(zone).replace(tzinfo=None) - timedelta(minutes=minutes)
    return local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def is_post_day(settings: GuildSettings, day: date, skips: Collection[date]) -> bool:
    return day.isoweekday() in settings.weekdays and day not in skips


def next_post_at(settings: GuildSettings, after: datetime, skips: Collection[date] = ()) -> datetime | None:
    """The first scheduled post strictly after `after`, ignoring the paused flag."""
    day = after.astimezone(ZoneInfo(settings.timezone)).date() - timedelta(days=1)
    for offset in range(SEARCH_DAYS):
        candidate = day + timedelta(days=offset)
        if is_post_day(settings, candidate, skips):
            slot = slot_on(settings, candidate)
            if slot > after:
                return slot
    return None


def round_windows(
    settings: GuildSettings, local_date: date, opened_at: datetime, skips: Collection[date] = ()
) -> tuple[datetime, datetime]:
    """(answers close, round closes) for a daily round of `local_date` opened at `opened_at`.

    The round closes `close_before_next_minutes` (of local wall-clock time) before the next post
    on a later local date, but stays open at least an hour. Answers close after `answer_window_minutes` when set,
    never after the round.
    """
    end_of_day = datetime.combine(local_date + timedelta(days=1), time(0), tzinfo=ZoneInfo(settings.timezone))
    following = next_post_at(settings, max(opened_at, end_of_day - timedelta(microseconds=1)), skips)
    if following is None:
        closes = opened_at + FALLBACK_ROUND
    else:
        closes = wall_clock_before(following, settings.close_before_next_minutes, ZoneInfo(settings.timezone))
    closes = max(closes, opened_at + MIN_ROUND)
    answers = closes
    if settings.answer_window_minutes:
        answers = min(closes, opened_at + timedelta(minutes=settings.answer_window_minutes))
    return answers, closes


def reminder_at(settings: GuildSettings, opened_at: datetime, closes_at: datetime) -> datetime | None:
    """When to post the one reminder (local wall-clock minutes before close), or None when that
    would fall before the round opened."""
    at = wall_clock_before(closes_at, settings.reminder_before_close_minutes, ZoneInfo(settings.timezone))
    return at if at > opened_at else None


def catch_up_date(
    settings: GuildSettings, now: datetime, skips: Collection[date], posted_dates: Collection[date]
) -> date | None:
    """Today's local date when its post was missed (slot passed, nothing posted), else None."""
    if settings.paused or settings.channel_ref is None:
        return None
    today = local_today(settings, now)
    if not is_post_day(settings, today, skips) or today in posted_dates:
        return None
    return today if slot_on(settings, today) <= now else None


def streaks(round_dates: Sequence[date], answered: Collection[date], open_date: date | None) -> tuple[int, int]:
    """(current, best) runs of consecutive daily rounds answered, oldest to newest.

    A round still open and not yet answered does not break the current streak.
    """
    best = run = 0
    for day in round_dates:
        if day in answered:
            run += 1
            best = max(best, run)
        elif day != open_date:
            run = 0
    return run, best
