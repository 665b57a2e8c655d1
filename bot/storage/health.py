"""Read the gateway heartbeat for `python -m bot health`: synchronous, read-only, never creates a file.

The health check runs as its own short process next to the bot (a Docker HEALTHCHECK), so it opens
the database read-only with a short busy timeout and turns every way the database can fail to answer
into one sentence for stderr.
"""

from __future__ import annotations

import sqlite3
import urllib.parse
from datetime import datetime
from pathlib import Path

from bot.core.health import HEARTBEAT_KEY

BUSY_TIMEOUT_S = 2.0


class DatabaseUnavailable(Exception):
    """The database did not answer; the message says why."""


def read_heartbeat(path: str | Path, timeout: float = BUSY_TIMEOUT_S, key: str = HEARTBEAT_KEY) -> datetime | None:
    """The last recorded heartbeat (None when none was), or DatabaseUnavailable with the reason."""
    path = Path(path)
    if not path.is_file():
        raise DatabaseUnavailable(f"no database file at {path}")
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise DatabaseUnavailable(f"cannot open the database at {path}: {exc}") from exc
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
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
    if row is None:
        return None
    try:
        beat = datetime.fromisoformat(row[0])
    except (TypeError, ValueError) as exc:
        raise DatabaseUnavailable(f"database {path} holds an unreadable heartbeat: {row[0]!r}") from exc
    if beat.tzinfo is None:
        raise DatabaseUnavailable(f"database {path} holds a heartbeat without a time zone: {row[0]!r}")
    return beat
