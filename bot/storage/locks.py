"""Cluster-wide locks on PostgreSQL advisory locks: the `ClusterLocks` port (bot/core/ports.py).

Every lock lives on a connection of its own, outside the store's pool, so a lock never waits
behind queries and is never handed to another task with the connection:

- `hold_for(name, seconds)` (the IDENTIFY stagger): `pg_advisory_lock` waits until no other
  process holds the lock, returns, and unlocks `seconds` later. Two shards of one process use two
  connections, so they queue like two processes do. A process that dies while holding it loses its
  connection, and PostgreSQL frees the lock.
- `try_lead(name)` (the leader of a platform without sharding): a session-level
  `pg_try_advisory_lock` on a dedicated connection, kept for as long as this process leads. Each
  later call checks the connection still answers; a broken one is dropped (its lock went with its
  session) and the lock is tried again on a new one, so a leader that lost its database gives up
  leading and another process's next try takes over.

With one process on SQLite there is nothing to coordinate, and no `ClusterLocks` at all.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging

import asyncpg

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0  # seconds; a try that cannot reach the database counts as "not leading"
LOST = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for `name` (PostgreSQL's key space is one bigint)."""
    return int.from_bytes(hashlib.sha256(f"grillbot:{name}".encode()).digest()[:8], "big", signed=True)


class PgLocks:
    def __init__(self, url: str) -> None:
        self._url = url
        self._leading: dict[str, asyncpg.Connection] = {}
        self._pending: set[asyncio.Task[None]] = set()

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self._url, timeout=CONNECT_TIMEOUT)

    async def hold_for(self, name: str, seconds: float) -> None:
        conn = await self._connect()
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", lock_key(name))
        except BaseException:
            await conn.close()
            raise
        task = asyncio.create_task(self._release_after(conn, seconds), name=f"lock-release:{name}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    @staticmethod
    async def _release_after(conn: asyncpg.Connection, seconds: float) -> None:
        try:
            await asyncio.sleep(seconds)
        finally:
            conn.terminate()  # ending the session frees every lock it holds, without a round trip

    async def try_lead(self, name: str) -> bool:
        held = self._leading.get(name)
        if held is not None:
            try:
                await held.fetchval("SELECT 1")
                return True
            except LOST as error:
                log.warning("lost the %s leader lock's connection (%r); trying again", name, error)
                self._leading.pop(name)
                held.terminate()
        try:
            conn = await self._connect()
        except LOST as error:
            log.warning("cannot reach the database to try the %s leader lock: %r", name, error)
            return False
        try:
            taken = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", lock_key(name)))
        except LOST:
            conn.terminate()
            return False
        if not taken:
            await conn.close()
            return False
        self._leading[name] = conn
        return True

    async def close(self) -> None:
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        for conn in self._leading.values():
            conn.terminate()
        self._leading.clear()
