"""A sync whose process died mid-run: its run closed and its connection's lease freed.

A queued sync holds its connection's lease under the job's own name (see
`potwise.jobs.queue`). When the queue finds the job's worker dead (no heartbeat),
the lease would otherwise keep every other sync of that connection out until it
expires. Freeing it is only safe for that exact holder, so the lease is given up
only while it is still held under that name, and in the same unit of work the run
it left `running` is recorded as failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Lease, SyncRun
from potwise.logs import get_logger
from potwise.services import leases
from potwise.services.sync.engine import sync_lease_key

log = get_logger(__name__)

INTERRUPTED = {
    "where": "worker",
    "code": "interrupted",
    "message": "The process running this sync stopped before it finished.",
}


def free_abandoned(
    session_factory: sessionmaker[Session], connection_id: str, owner: str, now: datetime
) -> bool:
    """Give back the connection's lease held by `owner` (a dead worker's job) and close
    the run it left open; False when that holder no longer has the lease."""
    key = sync_lease_key(connection_id)
    with session_factory() as db:
        held = db.scalar(select(Lease.key).where(Lease.key == key, Lease.owner == owner))
        if held is None:
            return False
        db.execute(
            update(SyncRun)
            .where(SyncRun.connection_id == connection_id, SyncRun.status == "running")
            .values(status="failed", finished_at=now, errors=[INTERRUPTED])
        )
        leases.give_up(db, key, owner)
        db.commit()
    log.warning("sync.abandoned_freed", connection_id=connection_id)
    return True
