"""Retention: operational history older than `POTWISE_RETENTION_DAYS` is deleted, in
small batches (each its own unit of work, so no long lock and no huge transaction).

What goes: finished sync runs, finished automation runs (their explanations are in
them), notices already read or with nothing left to deliver, delivered or given-up
notification deliveries, and the ledger of unattended TrueLayer calls.

What stays, whatever its age: the user's own data (transactions, rules, budgets,
transfers, bills, plans) until they delete it; a run still running (a lease holds
it); a run whose transfer intent is not settled yet (reconciliation reads it); each
connection's and each rule's latest run (what the pages show as "last run"); an
unattended call any allowance window still counts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, delete, exists, select
from sqlalchemy.orm import Session, aliased

from potwise.db.models import (
    AutomationRun,
    Notice,
    NotificationDelivery,
    SyncRun,
    Transfer,
    UnattendedCall,
    table_of,
)
from potwise.domain.transfers import OPEN_TRANSFER_STATUSES
from potwise.logs import get_logger
from potwise.services.sync import allowance

log = get_logger(__name__)

#: Rows deleted per unit of work.
BATCH = 500
#: Deliveries still on their way (everything else is done: sent or given up).
UNDELIVERED = ("pending", "sending", "digest")


def purge_history(
    db: Session, now: datetime, retention_days: int, *, batch: int = BATCH
) -> dict[str, int]:
    """Delete operational history older than `retention_days` before `now`; the counts."""
    cutoff = now - timedelta(days=retention_days)
    counts = {
        "sync_runs": _in_batches(db, table_of(SyncRun), _old_sync_runs(cutoff), batch),
        "automation_runs": _in_batches(
            db, table_of(AutomationRun), _old_automation_runs(cutoff), batch
        ),
        "notification_deliveries": _in_batches(
            db, table_of(NotificationDelivery), _old_deliveries(cutoff), batch
        ),
        "notices": _in_batches(db, table_of(Notice), _old_notices(cutoff), batch),
        "unattended_calls": _in_batches(
            db,
            table_of(UnattendedCall),
            # Never a call an allowance window still counts, however short the retention.
            UnattendedCall.at < min(cutoff, now - allowance.KEEP),
            batch,
        ),
    }
    if any(counts.values()):
        log.info("housekeeping.retention", retention_days=retention_days, **counts)
    return counts


def _old_sync_runs(cutoff: datetime) -> ColumnElement[bool]:
    newer = aliased(SyncRun)
    latest = exists().where(
        newer.connection_id == SyncRun.connection_id, newer.started_at > SyncRun.started_at
    )
    return and_(SyncRun.started_at < cutoff, SyncRun.finished_at.is_not(None), latest)


def _old_automation_runs(cutoff: datetime) -> ColumnElement[bool]:
    newer = aliased(AutomationRun)
    latest = exists().where(
        newer.automation_id == AutomationRun.automation_id,
        newer.started_at > AutomationRun.started_at,
    )
    unsettled = exists().where(
        Transfer.run_id == AutomationRun.id, Transfer.status.in_(OPEN_TRANSFER_STATUSES)
    )
    return and_(
        AutomationRun.started_at < cutoff,
        AutomationRun.finished_at.is_not(None),
        latest,
        ~unsettled,
    )


def _old_deliveries(cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        NotificationDelivery.created_at < cutoff, NotificationDelivery.status.not_in(UNDELIVERED)
    )


def _old_notices(cutoff: datetime) -> ColumnElement[bool]:
    waiting = exists().where(
        NotificationDelivery.notice_id == Notice.id,
        NotificationDelivery.status.in_(UNDELIVERED),
    )
    return and_(Notice.created_at < cutoff, ~waiting)


def _in_batches(db: Session, table: Table, condition: ColumnElement[bool], batch: int) -> int:
    """Delete the rows `condition` picks, `batch` at a time, committing each batch."""
    key = next(iter(table.primary_key.columns))
    total = 0
    while True:
        ids = list(db.scalars(select(key).where(condition).limit(batch)))
        if not ids:
            return total
        db.execute(delete(table).where(key.in_(ids)))
        db.commit()
        total += len(ids)
        if len(ids) < batch:
            return total
