"""`python -m bot db copy --from FILE --to URL`: move a group's data from SQLite to PostgreSQL, then prove it.

The copy itself is `bot.storage.copy` (a snapshot of the source, one transaction on an empty,
migrated target). Then both sides are compared: the rows of every table, and every leaderboard
(each type and overall x week, month, all time x points, rating, whole, for every space) read
through the real store and `BoardService` on each engine at one instant. Exit 0 when everything
matches, 1 on any mismatch, 2 when the copy was refused (nothing written).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.core.models import TYPE_IDS, BoardView, Period
from bot.core.ports import Clock
from bot.core.services.boards import BoardService
from bot.storage.boards import BoardRepo
from bot.storage.copy import (
    CopyRefused,
    board_spaces,
    copy_tables,
    open_target,
    require_postgres_url,
    row_counts,
    snapshot,
)
from bot.storage.engine import Database, open_database
from bot.storage.rounds import RoundRepo
from bot.storage.spaces import SpaceRepo

Print = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Frozen:
    """One instant for both sides, so a week or month board means the same period on each."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass(slots=True)
class Verification:
    tables: int = 0
    spaces: int = 0
    boards: int = 0
    mismatches: list[str] = field(default_factory=list)


async def verify(source: Database, target: Database, tables: list[str], clock: Clock) -> Verification:
    """Compare row counts per table and every leaderboard of every space on the two databases."""
    found = Verification(tables=len(tables))
    counts = await row_counts(source, tables), await row_counts(target, tables)
    found.mismatches += [
        f"{t}: {counts[0][t]} rows in SQLite, {counts[1][t]} in PostgreSQL"
        for t in tables
        if counts[0][t] != counts[1][t]
    ]
    at = Frozen(clock.now())
    services = [BoardService(SpaceRepo(db), RoundRepo(db), BoardRepo(db), at) for db in (source, target)]
    spaces = await board_spaces(source)
    if spaces != await board_spaces(target):
        found.mismatches.append("the spaces with boards differ")
    found.spaces = len(spaces)
    for space_id, rows in spaces:
        for type_id in (None, *TYPE_IDS):
            for period in Period:
                for view in BoardView:
                    old, new = [
                        await s.leaderboard(space_id, type_id, period, view, limit=max(rows, 1)) for s in services
                    ]
                    found.boards += 1
                    if old != new:
                        found.mismatches.append(
                            f"leaderboard {space_id} {type_id or 'overall'} {period.value} {view.value} differs"
                        )
    return found


async def copy_command(source: Path, target: str, clock: Clock, say: Print = print, warn: Print = print) -> int:
    """Copy, verify and report; the exit status."""
    try:
        require_postgres_url(target)
        with tempfile.TemporaryDirectory(prefix="grillbot-copy-") as tmp:
            copy_of = Path(tmp) / "snapshot.db"
            snapshot(source, copy_of)  # before the target: a bad --from costs no connection
            async with open_target(target) as dst, open_database(str(copy_of)) as src:
                say(f"Copying a snapshot of {source} (schema version {await src.version()}) to {dst.describe()}")
                tables = await copy_and_report(src, dst, say)
                found = await verify(src, dst, tables, clock)
    except CopyRefused as refused:
        warn(str(refused))
        return 2
    if found.mismatches:
        warn("\n".join(f"MISMATCH {m}" for m in found.mismatches))
        warn(
            f"The copy does not match the source ({len(found.mismatches)} mismatches). Keep the bot on SQLite "
            "(the file was not changed), and report this with the lines above."
        )
        return 1
    say(
        f"Verified: row counts equal in all {found.tables} tables; {found.boards} leaderboards equal "
        f"({found.spaces} spaces x {len(TYPE_IDS) + 1} types x {len(Period)} periods x {len(BoardView)} views)."
    )
    say("Next: set GRILLBOT_DATABASE_URL to this database and start the bot (README: moving to PostgreSQL).")
    return 0


async def copy_and_report(source: Database, target: Database, say: Print) -> list[str]:
    """Copy every table, print the rows of each; the tables copied."""
    started = time.perf_counter()
    copied = await copy_tables(source, target)
    elapsed = time.perf_counter() - started
    width = max(len(t) for t in copied)
    say("\n".join(f"  {t:<{width}}  {n:>9,}" for t, n in copied.items()))
    say(f"Copied {sum(copied.values()):,} rows of {len(copied)} tables in {elapsed:.1f} s, in one transaction.")
    return list(copied)
