"""Durable timed steps: the queue every runner (in this process or another) claims work from.

A claim is one conditional UPDATE that moves due rows (or rows whose lease ran out) to `running`
under this runner's name and a lease, so two runners never hold the same step. Every later
transition checks the owner, so a runner that lost its lease cannot overwrite the new holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.models import Step, StepKind, StepState
from bot.storage.engine import Connection, Database, Row, parse_date, parse_instant

CLAIMABLE = "((state = 'due' AND next_attempt_at <= ?) OR (state = 'running' AND lease_until <= ?))"


def _step(row: Row) -> Step:
    return Step(
        id=row["id"],
        kind=StepKind(row["kind"]),
        space_id=row["space_id"],
        round_id=row["round_id"],
        local_date=parse_date(row["local_date"]) if row["local_date"] else None,
        state=StepState(row["state"]),
        due_at=parse_instant(row["due_at"]),
        next_attempt_at=parse_instant(row["next_attempt_at"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        manual=bool(row["manual"]),
    )


async def plan_round_steps(
    conn: Connection, space_id: str, round_id: int, plan: Sequence[tuple[StepKind, datetime]]
) -> None:
    """Add a round's steps inside the caller's transaction; steps it already has are kept."""
    for kind, due in plan:
        await conn.execute(
            "INSERT INTO steps (kind, space_id, round_id, due_at, next_attempt_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (kind.value, space_id, round_id, due, due),
        )


class StepRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- planning ----------------------------------------------------------------------

    async def ensure_post(self, space_id: str, local_date: date, due: datetime, *, manual: bool = False) -> Step:
        """The post step of a space's local date, created due at `due` if it did not exist.

        A manual request re-arms a step that ended without a post (paused, an off day, given up)."""
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO steps (kind, space_id, local_date, due_at, next_attempt_at, manual) "
                "VALUES ('post', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (space_id, local_date, due, due, int(manual)),
            )
            if manual:
                await conn.execute(
                    "UPDATE steps SET manual = 1, state = 'due', next_attempt_at = ?, attempts = 0, last_error = NULL "
                    "WHERE kind = 'post' AND space_id = ? AND local_date = ? AND state IN ('done', 'failed', 'due') "
                    "AND NOT EXISTS (SELECT 1 FROM rounds WHERE rounds.space_id = steps.space_id "
                    "AND rounds.kind = 'daily' AND rounds.local_date = steps.local_date AND rounds.state <> 'posting')",
                    (due, space_id, local_date),
                )
            row = await conn.fetch_one(
                "SELECT * FROM steps WHERE kind = 'post' AND space_id = ? AND local_date = ?", (space_id, local_date)
            )
        assert row is not None
        return _step(row)

    async def plan_round(self, space_id: str, round_id: int, plan: Sequence[tuple[StepKind, datetime]]) -> None:
        async with self.db.write() as conn:
            await plan_round_steps(conn, space_id, round_id, plan)

    async def round_step(self, round_id: int, kind: StepKind) -> Step | None:
        async with self.db.read() as conn:
            row = await conn.fetch_one("SELECT * FROM steps WHERE round_id = ? AND kind = ?", (round_id, kind.value))
        return _step(row) if row else None

    async def expedite(self, round_id: int, kind: StepKind, now: datetime) -> None:
        """Make a round's step due now (an admin closed early, or the next day's post arrived)."""
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE steps SET next_attempt_at = ? WHERE round_id = ? AND kind = ? AND state = 'due' "
                "AND next_attempt_at > ?",
                (now, round_id, kind.value, now),
            )

    async def retry_space_now(self, space_id: str, now: datetime) -> int:
        """Bring a space's retrying steps forward (an admin fixed the fault and asked to see it)."""
        async with self.db.write() as conn:
            return await conn.execute(
                "UPDATE steps SET next_attempt_at = ? WHERE space_id = ? AND state = 'due' AND attempts > 0 "
                "AND next_attempt_at > ?",
                (now, space_id, now),
            )

    # --- claiming ----------------------------------------------------------------------

    async def claim(self, owner: str, now: datetime, lease_until: datetime, limit: int) -> list[Step]:
        """Claim up to `limit` due steps, oldest first, in one conditional UPDATE.

        The outer WHERE repeats the claim's condition: a PostgreSQL runner that waited on a row
        another runner just claimed sees it claimed and leaves it (the inner SELECT skips rows
        being claimed right now)."""
        async with self.db.write() as conn:
            rows = await conn.fetch_all(
                "UPDATE steps SET state = 'running', lease_owner = ?, lease_until = ?, "
                f"attempts = attempts + 1 WHERE {CLAIMABLE} AND id IN (SELECT id FROM steps WHERE "
                f"{CLAIMABLE} ORDER BY next_attempt_at, id LIMIT ?{conn.dialect.skip_locked}) RETURNING *",
                (owner, lease_until, now, now, now, now, limit),
            )
        return sorted((_step(r) for r in rows), key=lambda s: (s.next_attempt_at, s.id))

    async def claim_one(self, step_id: int, owner: str, now: datetime, lease_until: datetime) -> Step | None:
        """Claim one step whatever its due time (an admin asked for it now); None if another runner holds it
        or it has ended."""
        async with self.db.write() as conn:
            row = await conn.fetch_one(
                "UPDATE steps SET state = 'running', lease_owner = ?, lease_until = ?, "
                "attempts = attempts + 1 WHERE id = ? AND (state = 'due' OR "
                "(state = 'running' AND lease_until <= ?)) RETURNING *",
                (owner, lease_until, step_id, now),
            )
        return _step(row) if row else None

    async def renew(self, owner: str, step_id: int, lease_until: datetime) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "UPDATE steps SET lease_until = ? WHERE id = ? AND lease_owner = ? AND state = 'running'",
                (lease_until, step_id, owner),
            )

    # --- ending ------------------------------------------------------------------------

    async def finish(self, step_id: int, owner: str, now: datetime) -> bool:
        return await self._end(step_id, owner, "done", now, None, now)

    async def retry(self, step_id: int, owner: str, at: datetime, error: str) -> bool:
        return await self._end(step_id, owner, "due", at, error, None)

    async def give_up(self, step_id: int, owner: str, now: datetime, error: str) -> bool:
        return await self._end(step_id, owner, "failed", now, error, now)

    async def _end(
        self, step_id: int, owner: str, state: str, at: datetime, error: str | None, finished: datetime | None
    ) -> bool:
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE steps SET state = ?, next_attempt_at = ?, last_error = ?, finished_at = ?, "
                "lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND state = 'running'",
                (state, at, error, finished, step_id, owner),
            )
        return changed == 1

    async def postpone(self, step_id: int, owner: str, at: datetime) -> bool:
        """Hand a step back unrun (it must wait for something), without counting the attempt."""
        async with self.db.write() as conn:
            changed = await conn.execute(
                "UPDATE steps SET state = 'due', next_attempt_at = ?, attempts = attempts - 1, "
                "lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ? AND state = 'running'",
                (at, step_id, owner),
            )
        return changed == 1

    # --- reading -----------------------------------------------------------------------

    async def next_wake(self) -> datetime | None:
        """The earliest instant a step becomes claimable: a due time or a lease running out."""
        async with self.db.read() as conn:
            wake = await conn.fetch_value(
                "SELECT MIN(at) FROM (SELECT MIN(next_attempt_at) AS at FROM steps WHERE state = 'due' "
                "UNION ALL SELECT MIN(lease_until) FROM steps WHERE state = 'running') AS wakes"
            )
        return parse_instant(wake) if wake else None

    async def of_space(self, space_id: str, *states: StepState) -> list[Step]:
        marks = ", ".join("?" for _ in states)
        async with self.db.read() as conn:
            rows = await conn.fetch_all(
                f"SELECT * FROM steps WHERE space_id = ? AND state IN ({marks}) ORDER BY id",
                (space_id, *(s.value for s in states)),
            )
        return [_step(r) for r in rows]

    # --- messages a step posted --------------------------------------------------------

    async def record_message(self, round_id: int, part: str, message_ref: str) -> None:
        async with self.db.write() as conn:
            await conn.execute(
                "INSERT INTO step_messages (round_id, part, message_ref) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (round_id, part, message_ref),
            )

    async def messages(self, round_id: int) -> dict[str, str]:
        async with self.db.read() as conn:
            rows = await conn.fetch_all("SELECT part, message_ref FROM step_messages WHERE round_id = ?", (round_id,))
        return {r["part"]: r["message_ref"] for r in rows}
