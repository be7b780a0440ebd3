"""The user is looking: read their cards now, attended, at no cost to the allowance.

A page that shows what the cards owe (the dashboard, the rules) tells this
module the user is present. Their TrueLayer connections not read in full for
``ATTENDED_EVERY`` are then synced with ``X-PSU-IP`` (the user's address):
attended calls cost none of the consent's few unattended calls a day. The sync
runs in the background and is announced as usual, so the rules it touches run
on what it read. At most one such read per connection every few minutes, so
browsing is not a stream of bank calls.
"""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from potwise.db.models import Connection, SyncRun
from potwise.logs import get_logger
from potwise.services import connections
from potwise.services.connections import ConnectionsContext
from potwise.services.events import Submit
from potwise.services.sync import engine

__all__ = ["ATTENDED_EVERY", "PRESENCE_TRIGGER", "Presence"]

log = get_logger(__name__)

#: A connection read in full this recently is not read again for a page load.
ATTENDED_EVERY = timedelta(minutes=3)
#: The sync trigger of a read made because the user is looking.
PRESENCE_TRIGGER = "presence"
_READABLE = (connections.STATUS_ACTIVE, connections.STATUS_RETRYING, connections.STATUS_ERROR)


class Presence:
    """Remembers, per process, which connections a page load asked to read and when
    (a read in flight is not asked for twice); the database says when each was last
    read in full."""

    def __init__(self, ctx: ConnectionsContext, submit: Submit) -> None:
        self.ctx = ctx
        self.submit = submit
        self._lock = threading.Lock()
        self._asked: dict[str, datetime] = {}

    def user_present(self, user_id: str, psu_ip: str | None, now: datetime) -> list[str]:
        """The user `user_id` is looking, from `psu_ip`: read their cards that are due
        (in the background); returns the connections asked for."""
        if psu_ip is None:
            return []
        due = self._due(user_id, now)
        if due:
            self.submit(functools.partial(self._read, due, psu_ip))
        return due

    def _due(self, user_id: str, now: datetime) -> list[str]:
        since = now - ATTENDED_EVERY
        with self.ctx.session_factory() as db:
            # Connections read before: a new one's first read belongs to connecting it.
            candidates = list(
                db.scalars(
                    select(Connection.id).where(
                        Connection.user_id == user_id,
                        Connection.provider == "truelayer",
                        Connection.status.in_(_READABLE),
                        Connection.last_synced_at.is_not(None),
                    )
                )
            )
            if not candidates:
                return []
            recent = set(
                db.scalars(
                    select(SyncRun.connection_id)
                    .where(
                        SyncRun.connection_id.in_(candidates),
                        SyncRun.status == "succeeded",
                        SyncRun.trigger != "automation",
                    )
                    .group_by(SyncRun.connection_id)
                    .having(func.max(SyncRun.finished_at) > since)
                )
            )
        with self._lock:
            due = [
                cid
                for cid in candidates
                if cid not in recent
                and self._asked.get(cid, datetime.min.replace(tzinfo=UTC)) <= since
            ]
            for cid in due:
                self._asked[cid] = now
        return due

    def _read(self, connection_ids: list[str], psu_ip: str) -> None:
        try:
            engine.sync_many(self.ctx, connection_ids, trigger=PRESENCE_TRIGGER, psu_ip=psu_ip)
        except Exception:
            log.exception("presence.read_failed", connections=len(connection_ids))
