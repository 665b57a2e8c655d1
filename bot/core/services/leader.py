"""One leader among the processes runs the timed work of a platform without sharding.

On Slack any process may receive any payload, so nothing ties a workspace to a process: the
process holding the platform's leader lock (`ClusterLocks.try_lead`, a session-level PostgreSQL
advisory lock) owns its spaces (`Ownership.set_leading`), and the others try again every
LEAD_RETRY. A leader that dies ends its session, which frees the lock for the next try. With one
process on SQLite there are no locks and that process leads. A front end takes part by calling
`Ownership.lead(<its space prefix>)` before the jobs start.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.ownership import Ownership
from bot.core.ports import ClusterLocks

log = logging.getLogger(__name__)

LEAD_RETRY = timedelta(seconds=30)


def leader_lock(prefix: str) -> str:
    return f"steps:{prefix}"


class Leadership:
    def __init__(self, ownership: Ownership, locks: ClusterLocks | None) -> None:
        self.ownership = ownership
        self.locks = locks

    async def refresh(self) -> bool:
        """Take or keep the leader lock of each platform this process leads; True when what it owns changed."""
        changed = False
        for prefix in self.ownership.led:
            leading = await self._try(prefix)
            if self.ownership.set_leading(prefix, leading):
                log.info("%s this process's leader of the %s spaces", "now" if leading else "no longer", prefix)
                changed = True
        return changed

    async def _try(self, prefix: str) -> bool:
        if self.locks is None:
            return True
        try:
            return await self.locks.try_lead(leader_lock(prefix))
        except Exception:
            log.exception("could not try the leader lock of %s; following until the next try", prefix)
            return False
