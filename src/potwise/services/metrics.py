"""The figures `/metrics` reads from the database at scrape time, aggregated.

Sync runs, rule runs, transfers, the notification outbox and the unattended-call ledger
are rows, so counting them is right across every process that wrote them (the web app,
the worker, a spread cycle's helpers) and after a restart. Every figure is grouped by a
small set of names (provider, rule kind, status, card issuer): never by user, connection
or row, so the series stay few whatever the number of users.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import (
    Automation,
    AutomationRun,
    Connection,
    NotificationDelivery,
    SyncRun,
    Transfer,
    UnattendedCall,
)
from potwise.domain.transfers import OPEN_TRANSFER_STATUSES, RunStatus
from potwise.logs import get_logger
from potwise.observability.figures import Allowance, RunCount, StoredFigures
from potwise.services.connections import ConnectionsContext
from potwise.services.connections.status import STATUS_ACTIVE
from potwise.services.sync.allowance import COUNTED

log = get_logger(__name__)

# A label value is one of our own names (a status, a kind, a provider id); anything else
# that ever reached a column is shown as `other`, so a label can never carry free text.
_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,47}")
OTHER = "other"


def label(value: str | None) -> str:
    """`value` when it looks like one of our names, else `other`."""
    return value if value is not None and _NAME.fullmatch(value) else OTHER


def read_figures(ctx: ConnectionsContext) -> StoredFigures | None:
    """The stored figures now; None (logged) when the database does not answer."""
    now = clock.now()
    try:
        with ctx.session_factory() as db:
            return StoredFigures(
                sync_runs=_run_counts(db, _sync_runs(db)),
                sync_api_calls=_sync_api_calls(db),
                rule_runs=_run_counts(db, _rule_runs(db)),
                transfers=_by_status(db, Transfer.status),
                unsettled=_unsettled(db),
                oldest_unsettled_seconds=_oldest_unsettled(db, now),
                outbox=_by_status(db, NotificationDelivery.status),
                allowances=_allowances(db, ctx, now),
            )
    except SQLAlchemyError as exc:
        log.warning("metrics.database_failed", error=type(exc).__name__)
        return None


def _seconds(db: Session, started: Any, finished: Any) -> ColumnElement[Any]:
    """`finished - started` in seconds, in the database's own arithmetic."""
    if db.get_bind().dialect.name == "sqlite":
        return (func.julianday(finished) - func.julianday(started)) * 86400.0
    return func.extract("epoch", finished - started)


def _sync_runs(db: Session) -> Any:
    return (
        select(
            Connection.provider,
            SyncRun.status,
            func.count(),
            func.sum(_seconds(db, SyncRun.started_at, SyncRun.finished_at)),
        )
        .join(Connection, Connection.id == SyncRun.connection_id)
        .group_by(Connection.provider, SyncRun.status)
    )


def _rule_runs(db: Session) -> Any:
    return (
        select(
            Automation.kind,
            AutomationRun.status,
            func.count(),
            func.sum(_seconds(db, AutomationRun.started_at, AutomationRun.finished_at)),
        )
        .join(Automation, Automation.id == AutomationRun.automation_id)
        .where(AutomationRun.dry_run.is_(False), AutomationRun.status != RunStatus.PREVIEW)
        .group_by(Automation.kind, AutomationRun.status)
    )


def _run_counts(db: Session, statement: Any) -> list[RunCount]:
    """Rows of (name, status, runs, seconds) merged by their labels (two odd names that
    both became `other` are one series)."""
    merged: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for name, status, runs, seconds in db.execute(statement):
        totals = merged[(label(name), label(status))]
        totals[0] += int(runs)
        totals[1] += float(seconds or 0.0)
    return [
        RunCount(labels=key, runs=int(runs), seconds=round(seconds, 3))
        for key, (runs, seconds) in sorted(merged.items())
    ]


def _sync_api_calls(db: Session) -> dict[str, int]:
    rows = db.execute(
        select(Connection.provider, func.sum(SyncRun.api_calls))
        .join(Connection, Connection.id == SyncRun.connection_id)
        .group_by(Connection.provider)
    )
    return _merged((provider, calls) for provider, calls in rows)


def _by_status(db: Session, status: Any) -> dict[str, int]:
    return _merged(
        (name, number) for name, number in db.execute(select(status, func.count()).group_by(status))
    )


def _merged(rows: Iterable[tuple[str | None, int | None]]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for name, number in rows:
        counts[label(name)] += int(number or 0)
    return dict(counts)


def _unsettled(db: Session) -> int:
    open_ = Transfer.status.in_([str(s) for s in OPEN_TRANSFER_STATUSES])
    return int(db.scalar(select(func.count()).select_from(Transfer).where(open_)) or 0)


def _oldest_unsettled(db: Session, now: datetime) -> float:
    open_ = Transfer.status.in_([str(s) for s in OPEN_TRANSFER_STATUSES])
    oldest = db.scalar(select(func.min(Transfer.created_at)).where(open_))
    return max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0


def _allowances(db: Session, ctx: ConnectionsContext, now: datetime) -> list[Allowance]:
    """Unattended calls left on each active TrueLayer consent, gathered by card issuer:
    the sum, the fewest on any one consent, and how many consents."""
    used = (
        select(UnattendedCall.connection_id, func.count().label("used"))
        .where(UnattendedCall.at > now - COUNTED)
        .group_by(UnattendedCall.connection_id)
        .subquery()
    )
    rows = db.execute(
        select(Connection.provider_id, Connection.unattended_paused_until, used.c.used)
        .outerjoin(used, used.c.connection_id == Connection.id)
        .where(Connection.provider == "truelayer", Connection.status == STATUS_ACTIVE)
    )
    lefts: dict[str, list[int]] = defaultdict(list)
    for provider_id, paused_until, calls in rows:
        allowance = ctx.settings.unattended_allowance(provider_id)
        paused = paused_until is not None and paused_until > now
        lefts[label(provider_id)].append(0 if paused else max(0, allowance - int(calls or 0)))
    return [
        Allowance(bank=bank, consents=len(left), left=sum(left), least_left=min(left))
        for bank, left in sorted(lefts.items())
    ]
