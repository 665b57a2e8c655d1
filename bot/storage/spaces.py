"""Per-space settings, skipped dates and members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.models import GuildSettings
from bot.storage.engine import Connection, Database, Row, parse_date

SETTINGS_COLUMNS = (
    "channel_ref",
    "post_time",
    "timezone",
    "weekdays",
    "paused",
    "blind_mode",
    "answer_window_minutes",
    "close_before_next_minutes",
    "reminder_before_close_minutes",
)


REMEMBER_MEMBER = (
    "INSERT INTO members (space_id, member_id, display_name) VALUES (?, ?, ?) "
    "ON CONFLICT (space_id, member_id) DO UPDATE SET display_name = excluded.display_name "
    "WHERE members.display_name <> excluded.display_name"
)


async def remember_member(conn: Connection, space_id: str, member_id: str, display_name: str) -> None:
    """Keep the member's current display name; runs inside the caller's write transaction."""
    await conn.execute(REMEMBER_MEMBER, (space_id, member_id, display_name))


def _settings(row: Row) -> GuildSettings:
    return GuildSettings(
        space_id=row["space_id"],
        channel_ref=row["channel_ref"],
        post_time=row["post_time"],
        timezone=row["timezone"],
        weekdays=tuple(int(d) for d in row["weekdays"].split(",") if d),
        paused=bool(row["paused"]),
        blind_mode=bool(row["blind_mode"]),
        answer_window_minutes=row["answer_window_minutes"],
        close_before_next_minutes=row["close_before_next_minutes"],
        reminder_before_close_minutes=row["reminder_before_close_minutes"],
        fault=row["fault"],
    )


class SpaceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def settings(self, space_id: str) -> GuildSettings:
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM spaces WHERE space_id = ?", (space_id,))
        return _settings(row) if row else GuildSettings(space_id=space_id)

    async def save_settings(self, settings: GuildSettings, now: datetime) -> None:
        values = (
            settings.channel_ref,
            settings.post_time,
            settings.timezone,
            ",".join(map(str, settings.weekdays)),
            int(settings.paused),
            int(settings.blind_mode),
            settings.answer_window_minutes,
            settings.close_before_next_minutes,
            settings.reminder_before_close_minutes,
        )
        updates = ", ".join(f"{c} = excluded.{c}" for c in SETTINGS_COLUMNS)
        async with self.db.write() as conn:
            await conn.execute(
                f"INSERT INTO spaces (space_id, {', '.join(SETTINGS_COLUMNS)}, updated_at) "
                f"VALUES (?, {', '.join('?' for _ in SETTINGS_COLUMNS)}, ?) "
                f"ON CONFLICT (space_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
                (settings.space_id, *values, now),
            )

    async def set_fault(self, space_id: str, fault: str | None, now: datetime, *, pause: bool = False) -> bool:
        """Store the fault an admin can fix (None clears it); `pause` also stops the daily post.

        A conditional UPDATE, so the steps of a healthy space pay one cheap no-op statement."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE spaces SET fault = ?, fault_at = ?, paused = CASE WHEN ? = 1 THEN 1 ELSE paused END "
                "WHERE space_id = ? AND fault IS DISTINCT FROM ?",
                (fault, now if fault else None, int(pause), space_id, fault),
            )
        return changed == 1

    async def configured_spaces(self) -> list[GuildSettings]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all("SELECT * FROM spaces WHERE channel_ref IS NOT NULL")
        return [_settings(r) for r in rows]

    async def add_skip(self, space_id: str, day: date) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO skips (space_id, local_date) VALUES (?, ?) ON CONFLICT DO NOTHING", (space_id, day)
            )

    async def skips(self, space_id: str) -> set[date]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all("SELECT local_date FROM skips WHERE space_id = ?", (space_id,))
        return {parse_date(r[0]) for r in rows}

    async def remember_member(self, space_id: str, member_id: str, display_name: str) -> None:
        async with self.db.write() as conn:
            await remember_member(conn, space_id, member_id, display_name)

    async def display_names(self, space_id: str, member_ids: Sequence[str]) -> dict[str, str]:
        if not member_ids:
            return {}
        marks = ", ".join("?" for _ in member_ids)
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                f"SELECT member_id, display_name FROM members WHERE space_id = ? AND member_id IN ({marks})",
                (space_id, *member_ids),
            )
        return {r["member_id"]: r["display_name"] for r in rows}

    async def set_hidden(self, space_id: str, member_id: str, hidden: bool) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO members (space_id, member_id, display_name, hidden) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (space_id, member_id) DO UPDATE SET hidden = excluded.hidden",
                (space_id, member_id, member_id, int(hidden)),
            )

    async def is_hidden(self, space_id: str, member_id: str) -> bool:
        async with self.db.read() as conn:
            hidden = await conn.fetch_value(
                "SELECT hidden FROM members WHERE space_id = ? AND member_id = ?", (space_id, member_id)
            )
        return bool(hidden)
