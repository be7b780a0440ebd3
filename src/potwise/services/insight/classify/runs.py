"""Runs: a full one for a user, an incremental one after a sync or a webhook."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import SyncRun, table_of
from potwise.domain import classify as domain
from potwise.logs import get_logger
from potwise.services.events import Event, EventBus, SyncFinished, TransactionsChanged
from potwise.services.insight.classify import reading, writing
from potwise.services.insight.classify.reading import Row
from potwise.services.insight.classify.user_side import context_of, merchant_categories_of

log = get_logger(__name__)

_LARGE_CACHE_KIB = 65536

_RUNS = table_of(SyncRun)
_LATEST_SYNCS = (
    select(func.max(_RUNS.c.started_at))
    .where(
        _RUNS.c.connection_id.in_(bindparam("connection_ids", expanding=True)),
        _RUNS.c.status.in_(("succeeded", "partial")),
    )
    .group_by(_RUNS.c.connection_id)
)


@dataclass(frozen=True)
class ClassifyResult:
    """What a run looked at and what it changed."""

    targets: int
    examined: int
    changed: int
    seconds: float


@contextmanager
def _large_cache(db: Session) -> Iterator[None]:
    """On SQLite, a larger page cache while every row of a user is read and written:
    one user's rows are spread over the whole table, and the default 2 MB cache would
    read the same pages again and again. Put back afterwards (connections are pooled)."""
    connection = db.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{_LARGE_CACHE_KIB}")
    try:
        yield
    finally:
        # Still the same connection: nothing in the block commits.
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(previous or -2000)}")


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a full run builds its objects.

    A full run makes a few hundred thousand small objects (rows, decisions), none
    of them in a reference cycle, so reference counting frees them all; but their
    number alone set the collector off again and again, each pass walking the
    growing heap (a second of CPU at 100,000 rows). Process-wide, for the run's few
    seconds; turned back on only by the caller that turned it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _decide(
    db: Session,
    user_id: str,
    rows: dict[str, Row],
    targets: frozenset[str] | None,
    *,
    everything_loaded: bool,
) -> int:
    context = context_of(
        db, user_id, merchant_categories_of(db, user_id, rows, everything_loaded=everything_loaded)
    )
    outcomes = domain.classify([r.txn for r in rows.values()], context, targets=targets)
    changes = writing.changes_of(rows, outcomes)
    if changes:
        writing.store(db, changes)
    return len(changes)


def reclassify_all(db: Session, user_id: str) -> ClassifyResult:
    """Classify every transaction of the user again, from scratch (their own choices kept)."""
    started = time.perf_counter()
    with _large_cache(db), _no_cycle_collection():
        rows = reading.load_all(db, user_id)
        changed = _decide(db, user_id, rows, None, everything_loaded=True)
    if changed:
        db.commit()
    result = ClassifyResult(len(rows), len(rows), changed, time.perf_counter() - started)
    log.info(
        "insight.reclassified",
        user_id=user_id,
        transactions=result.examined,
        changed=changed,
        seconds=round(result.seconds, 3),
    )
    return result


def _targets(
    db: Session,
    user_id: str,
    transaction_ids: Iterable[str],
    connection_ids: Sequence[str],
    touched_since: datetime | None,
) -> dict[str, Row]:
    """Rows never classified, the given ids, and what a sync of `connection_ids` wrote
    at or after `touched_since`."""
    target_rows = reading.read(db, user_id, unclassified=True)
    ids = set(transaction_ids)
    if ids:
        target_rows.update(reading.load_ids(db, user_id, ids))
    if connection_ids and touched_since is not None:
        target_rows.update(
            reading.read(db, user_id, connection_ids=connection_ids, updated_since=touched_since)
        )
    return target_rows


def _around(
    db: Session, user_id: str, target_rows: dict[str, Row]
) -> tuple[dict[str, Row], set[str]]:
    """The rows to decide with (every row within the pairing window of a target, and the
    targets' current partners), and the targets, with the rows whose partner vanished."""
    earliest = min(r.txn.created_at for r in target_rows.values()) - domain.PAIRING_WINDOW
    latest = max(r.txn.created_at for r in target_rows.values()) + domain.PAIRING_WINDOW
    rows = reading.read(db, user_id, since=earliest, until=latest)
    rows.update(target_rows)
    # The current partners of the targets are decided again with them.
    partners = {r.txn.linked_id for r in target_rows.values() if r.txn.linked_id}
    rows.update(reading.load_ids(db, user_id, partners - rows.keys()))
    targets = set(target_rows)
    # A row whose partner vanished (a pending item replaced by its settled successor)
    # is free again: decide it afresh.
    dangling = {r.txn.linked_id for r in rows.values() if r.txn.linked_id} - rows.keys()
    if dangling:
        gone = dangling - reading.existing_ids(db, user_id, dangling)
        targets.update(tid for tid, r in rows.items() if r.txn.linked_id in gone)
    return rows, targets


def classify_changed(
    db: Session,
    user_id: str,
    *,
    transaction_ids: Iterable[str] = (),
    connection_ids: Sequence[str] = (),
    touched_since: datetime | None = None,
) -> ClassifyResult:
    """Classify what is new or changed, with the rows it may pair with.

    Targets: rows never classified, the given `transaction_ids`, and rows of
    `connection_ids` updated at or after `touched_since` (what a sync wrote).

    When none of the user's rows has been classified yet (the first sync), every
    row is a target, which is exactly a full run: that is run instead, as it
    reads and writes 100,000 rows several times faster.
    """
    started = time.perf_counter()
    if reading.has_row(db, user_id, reading.ANY_UNCLASSIFIED) and not reading.has_row(
        db, user_id, reading.ANY_CLASSIFIED
    ):
        return reclassify_all(db, user_id)
    target_rows = _targets(db, user_id, transaction_ids, connection_ids, touched_since)
    if not target_rows:
        return ClassifyResult(0, 0, 0, time.perf_counter() - started)
    rows, targets = _around(db, user_id, target_rows)
    changed = _decide(db, user_id, rows, frozenset(targets), everything_loaded=False)
    if changed:
        db.commit()
    result = ClassifyResult(len(targets), len(rows), changed, time.perf_counter() - started)
    if changed:
        log.info(
            "insight.classified",
            user_id=user_id,
            targets=result.targets,
            examined=result.examined,
            changed=changed,
            seconds=round(result.seconds, 3),
        )
    return result


def _syncs_started(db: Session, connection_ids: Sequence[str]) -> datetime | None:
    """When the earliest of these connections' latest finished syncs started (None when
    none has one): every row they wrote was touched at or after it."""
    latest = db.scalars(_LATEST_SYNCS, {"connection_ids": list(connection_ids)})
    return min((moment for moment in latest if moment is not None), default=None)


def handle(session_factory: sessionmaker[Session], event: Event) -> ClassifyResult | None:
    """Classify what a sync or a webhook just stored (the data is already committed)."""
    with session_factory() as db:
        if isinstance(event, SyncFinished):
            return classify_changed(
                db,
                event.user_id,
                connection_ids=event.connection_ids,
                touched_since=_syncs_started(db, event.connection_ids),
            )
        if isinstance(event, TransactionsChanged):
            return classify_changed(db, event.user_id, transaction_ids=event.transaction_ids)
    return None


def install(events: EventBus, session_factory: sessionmaker[Session]) -> None:
    """Classify after every sync and webhook, in the publisher's thread, before the
    automations that subscribe later see the event."""

    def classify_on_event(event: Event) -> None:
        handle(session_factory, event)

    events.subscribe(classify_on_event)
