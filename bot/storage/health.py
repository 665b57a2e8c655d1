"""Read the gateway heartbeat for `python -m bot health`: read-only, never creates a file.

The health check runs as its own short process next to the bot (a Docker HEALTHCHECK), so it opens
the database read-only with a short timeout (SQLite's busy timeout, or PostgreSQL's connect and
statement timeout) and turns every way the database can fail to answer into one sentence for stderr.
"""

from __future__ import annotations

import asyncio
import sqlite3
import urllib.parse
from datetime import datetime
from pathlib import Path

import asyncpg

from bot.core.health import HEARTBEAT_KEY
from bot.storage.engine import is_postgres_url, redact

BUSY_TIMEOUT_S = 2.0


class DatabaseUnavailable(Exception):
    """The database did not answer; the message says why."""


def read_heartbeat(target: str | Path, timeout: float = BUSY_TIMEOUT_S) -> datetime | None:
    """The last recorded heartbeat (None when none was), or DatabaseUnavailable with the reason.

    `target` is a SQLite file or a `postgresql://` URL (`Settings.database`)."""
    if isinstance(target, str) and is_postgres_url(target):
        return _parse(asyncio.run(_read_postgres(target, timeout)), redact(target))
    path = Path(target)
    if not path.is_file():
        raise DatabaseUnavailable(f"no database file at {path}")
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot open the database at {path}: {exc}") from exc
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (HEARTBEAT_KEY,)).fetchone()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "locked" in message or "busy" in message:
            raise DatabaseUnavailable(f"database {path} is locked (no answer within {timeout:g} s)") from exc
        if "no such table" in message:
            raise DatabaseUnavailable(f"database {path} has no schema yet ({message}): has the bot ever run?") from exc
        raise DatabaseUnavailable(f"database {path} does not answer: {message}") from exc
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        raise DatabaseUnavailable(f"database {path} is corrupt: {exc}") from exc
    finally:
        conn.close()
    return _parse(row[0] if row else None, str(path))


async def _read_postgres(url: str, seconds: float) -> str | None:
    where = redact(url)
    try:
        conn = await asyncpg.connect(url, timeout=seconds)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"cannot connect to the database at {where}: {exc}") from exc
    try:
        value: str | None = await conn.fetchval("SELECT value FROM meta WHERE key = $1", HEARTBEAT_KEY, timeout=seconds)
    except asyncpg.UndefinedTableError as exc:
        raise DatabaseUnavailable(f"database {where} has no schema yet ({exc}): has the bot ever run?") from exc
    except (TimeoutError, asyncpg.PostgresError) as exc:
        raise DatabaseUnavailable(f"database {where} does not answer: {exc}") from exc
    finally:
        await conn.close()
    return value


def _parse(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    try:
        beat = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise DatabaseUnavailable(f"database {where} holds an unreadable heartbeat: {value!r}") from exc
    if beat.tzinfo is None:
        raise DatabaseUnavailable(f"database {where} holds a heartbeat without a time zone: {value!r}")
    return beat
