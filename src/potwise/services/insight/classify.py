"""Classifying a user's transactions in the mirror: after every sync, incrementally.

The decisions are `potwise.domain.classify`'s; this module feeds it and
stores what changed:

- **Incremental** (`classify_changed`, run after every sync and webhook):
  the targets are the rows never classified (new ones) and the rows the
  sync just touched or the webhook named. Around them, every row within the
  pairing window (eight days either side) is read as context, since a new
  row may complete a pair with an old one; so are the current partners of
  the targets. Only rows whose decision differs are written, so a run with
  nothing new reads a few rows and writes nothing.
- **Full** (`reclassify_all`): everything again, from scratch, for one user.

The user's own choices (``classification_source = 'user'``,
``category_source = 'user'``) are inputs, never outputs: they survive
re-syncs (the sync never writes these columns on update) and every
re-classification.

Two processes classifying one user at once compute the same answer from the
same rows, so no lock is taken (a lease would cost writes on every run).
"""

from __future__ import annotations

import gc
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import (
    Account,
    CategoryRule,
    InsightDismissal,
    Pot,
    SyncRun,
    Transaction,
    table_of,
)
from potwise.db.scoping import owned
from potwise.db.types import sqlite_text
from potwise.domain import categories
from potwise.domain import classify as domain
from potwise.logs import get_logger
from potwise.services.events import Event, EventBus, SyncFinished, TransactionsChanged

log = get_logger(__name__)

DISMISS_PAIR = "transfer_pair"
DISMISS_SUGGESTION = "category_suggestion"
_CHUNK = 500
_READ_BATCH = 5000
_UPDATE_BATCH = 1000
_PG_UPDATE_BATCH = 5000
_LARGE_CACHE_KIB = 65536

# The columns classification reads, in the order `_txn` takes them.
_COLUMNS = (
    Transaction.id,
    Transaction.account_id,
    Transaction.created_at,
    Transaction.amount,
    Transaction.currency,
    Transaction.status,
    Transaction.description,
    Transaction.merchant,
    Transaction.counterparty,
    Transaction.provider_category,
    Transaction.pot_external_id,
    Transaction.category,
    Transaction.category_source,
    Transaction.classification,
    Transaction.classification_source,
    Transaction.classification_reason,
    Transaction.linked_transaction_id,
    Transaction.merchant_key,
)


@dataclass(frozen=True)
class ClassifyResult:
    """What a run looked at and what it changed."""

    targets: int
    examined: int
    changed: int
    seconds: float


@dataclass(slots=True)
class _Row:
    txn: domain.Txn
    # What is stored of the columns a decision sets, in `domain.Outcome`'s order.
    stored: tuple[Any, ...]
    # SQLite's own row number, when the row was read in a full run: the write finds the
    # row by it (checking the id too) instead of seeking the primary key index.
    rowid: int | None = None

    @property
    def merchant_key(self) -> str | None:
        key: str | None = self.stored[0]
        return key


def _stored(values: Sequence[Any]) -> tuple[Any, ...]:
    # `_COLUMNS` from `Transaction.category` to `linked_transaction_id` are the last six
    # columns of `domain.Outcome`; the merchant key is its first.
    return (values[17], *values[11:17])


def _row(values: Sequence[Any]) -> _Row:
    # `_COLUMNS` lists the fields of `domain.Txn` in order, then the stored merchant key.
    return _Row(domain.Txn(*values[:17]), _stored(values))


def _load(db: Session, user_id: str, *conditions: Any) -> dict[str, _Row]:
    statement = select(*_COLUMNS).where(Transaction.user_id == user_id, *conditions)
    return {values[0]: _row(values) for values in db.execute(statement)}


def _load_all(db: Session, user_id: str) -> dict[str, _Row]:
    """Every row of the user, read straight from the driver's cursor in batches: at
    100,000 rows SQLAlchemy's per-row result handling cost more than the query."""
    return _read(db, user_id)


def _read(
    db: Session,
    user_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    unclassified: bool = False,
    connection_ids: Sequence[str] = (),
    updated_since: datetime | None = None,
) -> dict[str, _Row]:
    """The user's rows that meet every condition given, read as :func:`_load_all` reads:
    `since`/`until` bound `created_at` (inclusive), `unclassified` keeps rows never
    classified, `connection_ids` with `updated_since` keeps what a sync of those
    connections wrote."""
    connection = db.connection()
    sqlite = connection.dialect.name == "sqlite"
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def moment(value: datetime) -> Any:
        # As the column type stores it: naive UTC text on SQLite (db.types).
        return sqlite_text(value) if sqlite else value

    conditions = [f"user_id = {marker}"]
    parameters: list[Any] = [user_id]
    if since is not None:
        conditions.append(f"created_at >= {marker}")
        parameters.append(moment(since))
    if until is not None:
        conditions.append(f"created_at <= {marker}")
        parameters.append(moment(until))
    if unclassified:
        conditions.append("classification IS NULL")
    if connection_ids:
        conditions.append(f"connection_id IN ({', '.join(marker for _ in connection_ids)})")
        parameters.extend(connection_ids)
    if updated_since is not None:
        conditions.append(f"updated_at >= {marker}")
        parameters.append(moment(updated_since))
    names = ", ".join(column.key for column in _COLUMNS) + (", rowid" if sqlite else "")
    statement = f"SELECT {names} FROM transactions WHERE {' AND '.join(conditions)}"  # noqa: S608
    rows: dict[str, _Row] = {}
    parse = datetime.fromisoformat
    make_txn = domain.Txn
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement, tuple(parameters))
        while batch := cursor.fetchmany(_READ_BATCH):
            if sqlite:
                # Stored as naive UTC text (see db.types.UTCDateTime); parsing it with
                # its offset is several times cheaper than replacing the zone after.
                for values in batch:
                    txn = make_txn(values[0], values[1], parse(values[2] + "+00:00"), *values[3:17])
                    rows[values[0]] = _Row(txn, _stored(values), values[18])
            else:
                for values in batch:
                    txn = make_txn(values[0], values[1], _utc(values[2]), *values[3:17])
                    rows[values[0]] = _Row(txn, _stored(values))
    finally:
        cursor.close()
    return rows


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# What every sync's classification asks first, built once on the tables.
_TXNS = table_of(Transaction)
_ACCOUNTS = table_of(Account)
_POTS = table_of(Pot)
_DISMISSALS = table_of(InsightDismissal)
_RUNS = table_of(SyncRun)
_OF_USER = _TXNS.c.user_id == bindparam("user_id")
_ANY_UNCLASSIFIED = select(_TXNS.c.id).where(_OF_USER, _TXNS.c.classification.is_(None)).limit(1)
_ANY_CLASSIFIED = select(_TXNS.c.id).where(_OF_USER, _TXNS.c.classification.is_not(None)).limit(1)
_USER_ACCOUNTS = select(
    _ACCOUNTS.c.id, _ACCOUNTS.c.kind, _ACCOUNTS.c.name, _ACCOUNTS.c.provider
).where(_ACCOUNTS.c.user_id == bindparam("user_id"))
_USER_POTS = select(_POTS.c.external_id, _POTS.c.name).where(
    _POTS.c.user_id == bindparam("user_id")
)
_REJECTED_PAIRS = select(_DISMISSALS.c.key).where(
    _DISMISSALS.c.user_id == bindparam("user_id"), _DISMISSALS.c.kind == DISMISS_PAIR
)
_LATEST_SYNCS = (
    select(func.max(_RUNS.c.started_at))
    .where(
        _RUNS.c.connection_id.in_(bindparam("connection_ids", expanding=True)),
        _RUNS.c.status.in_(("succeeded", "partial")),
    )
    .group_by(_RUNS.c.connection_id)
)


def _has_row(db: Session, user_id: str, statement: Any) -> bool:
    return db.scalar(statement, {"user_id": user_id}) is not None


def _load_ids(db: Session, user_id: str, ids: Iterable[str]) -> dict[str, _Row]:
    wanted = sorted(set(ids))
    found: dict[str, _Row] = {}
    for start in range(0, len(wanted), _CHUNK):
        found.update(_load(db, user_id, Transaction.id.in_(wanted[start : start + _CHUNK])))
    return found


def _existing_ids(db: Session, user_id: str, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        found.update(
            db.scalars(
                select(Transaction.id).where(
                    Transaction.user_id == user_id,
                    Transaction.id.in_(wanted[start : start + _CHUNK]),
                )
            )
        )
    return found


# --- the user's side: accounts, rules, rejections, pots ----------------------------------


def _rule(r: CategoryRule) -> categories.Rule:
    return categories.Rule(
        id=r.id,
        category=r.category,
        created_at=r.created_at,
        priority=r.priority,
        merchant_key=r.merchant_key,
        description_contains=r.description_contains,
        description_equals=r.description_equals,
        min_amount=r.min_amount,
        max_amount=r.max_amount,
        account_id=r.account_id,
    )


def user_rules(db: Session, user_id: str) -> list[categories.Rule]:
    return [_rule(r) for r in db.scalars(owned(CategoryRule, user_id))]


def rejected_pairs(db: Session, user_id: str) -> frozenset[tuple[str, str]]:
    keys = db.scalars(_REJECTED_PAIRS, {"user_id": user_id})
    pairs: set[tuple[str, str]] = set()
    for key in keys:
        a, _, b = key.partition(":")
        if a and b:
            pairs.add(domain.pair_key(a, b))
    return frozenset(pairs)


def accounts_of(db: Session, user_id: str) -> dict[str, domain.AccountInfo]:
    rows = db.execute(_USER_ACCOUNTS, {"user_id": user_id})
    return {r[0]: domain.AccountInfo(r[0], r[1], r[2], r[3]) for r in rows}


def _context(db: Session, user_id: str, merchant_categories: dict[str, str]) -> domain.Context:
    pots = {
        str(external_id): str(name)
        for external_id, name in db.execute(_USER_POTS, {"user_id": user_id})
    }
    return domain.Context(
        accounts=accounts_of(db, user_id),
        rules=user_rules(db, user_id),
        rejected_pairs=rejected_pairs(db, user_id),
        pot_names=pots,
        merchant_categories=merchant_categories,
    )


def _merchant_categories(
    db: Session, user_id: str, rows: dict[str, _Row], *, everything_loaded: bool
) -> dict[str, str]:
    """Merchant key → the category providers most often give it, for rows that have
    none of their own (a card refund with no classification)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    needed: set[str] = set()
    for row in rows.values():
        key = domain.transaction_key(row.txn)
        if key is None:
            continue
        provided = categories.from_provider(row.txn.provider_category)
        if provided is not None:
            counts[key][provided] += 1
        elif not row.txn.user_categorised:
            needed.add(key)
    if not everything_loaded:
        missing = sorted(needed)
        for start in range(0, len(missing), _CHUNK):
            found = db.execute(
                select(Transaction.merchant_key, Transaction.provider_category, func.count())
                .where(
                    Transaction.user_id == user_id,
                    Transaction.merchant_key.in_(missing[start : start + _CHUNK]),
                    Transaction.provider_category.is_not(None),
                )
                .group_by(Transaction.merchant_key, Transaction.provider_category)
            )
            for key, provider, count in found:
                provided = categories.from_provider(provider)
                if key is not None and provided is not None:
                    counts[key][provided] += int(count)
    chosen: dict[str, str] = {}
    for key in needed:
        best = categories.merchant_category(counts.get(key, Counter()))
        if best is not None:
            chosen[key] = best
    return chosen


# --- deciding and storing ------------------------------------------------------------------


def _changes(rows: dict[str, _Row], outcomes: dict[str, domain.Outcome]) -> list[_Change]:
    """The outcomes that differ from what is stored, with the row they go to."""
    changed: list[_Change] = []
    for tid, outcome in outcomes.items():
        row = rows[tid]
        if row.stored != outcome:
            # `_UPDATE_COLUMNS` are `domain.Outcome`'s fields, in order.
            changed.append(_Change((*outcome, tid), row.rowid))
    return changed


_UPDATE_COLUMNS = (
    "merchant_key",
    "category",
    "category_source",
    "classification",
    "classification_source",
    "classification_reason",
    "linked_transaction_id",
)


@dataclass(slots=True)
class _Change:
    values: tuple[Any, ...]  # `_UPDATE_COLUMNS` in order, then the transaction's id
    rowid: int | None


def _store(db: Session, changes: list[_Change]) -> None:
    """Write the changed rows, all in the caller's one transaction (it commits once, so a
    run that fails half-way leaves every row, and both halves of every pair, as they were).

    Straight through the driver: at 100,000 rows SQLAlchemy's per-row parameter
    handling cost more than the writes. SQLite runs one prepared UPDATE with many
    parameter sets, in row order, finding each row by its row number (and checking its
    id); PostgreSQL updates thousands of rows per statement from arrays.
    """
    connection = db.connection()
    # Every row written carries the time it changed, as an ORM write would: the spending
    # breakdowns and the cash-flow detection kept in memory watch the latest `updated_at`
    # to know that a user's transactions changed.
    now = datetime.now(UTC)
    if connection.dialect.name == "postgresql":
        _store_postgresql(db, changes, now)
        return
    with _indexes_rebuilt(connection, _rewrites_most(connection, len(changes))):
        _store_sqlite(connection, changes, now)


def _store_sqlite(connection: Any, changes: list[_Change], now: datetime) -> None:
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    assignments = ", ".join(f"{name} = {marker}" for name in _UPDATE_COLUMNS)
    assignments += f", updated_at = '{sqlite_text(now)}'"
    by_id = f"UPDATE transactions SET {assignments} WHERE id = {marker}"  # noqa: S608
    located = [c for c in changes if c.rowid is not None]
    rest = [c.values for c in changes if c.rowid is None]
    if located:
        located.sort(key=lambda c: c.rowid or 0)
        by_rowid = f"{by_id} AND rowid = {marker}"
        written = 0
        for start in range(0, len(located), _UPDATE_BATCH):
            batch = [(*c.values, c.rowid) for c in located[start : start + _UPDATE_BATCH]]
            written += connection.exec_driver_sql(by_rowid, batch).rowcount
        if written != len(located):
            # Row numbers moved since the read (a VACUUM) or rows went away: write those
            # by id alone (writing a row twice with the same values is harmless).
            rest.extend(c.values for c in located)
    for start in range(0, len(rest), _UPDATE_BATCH):
        connection.exec_driver_sql(by_id, rest[start : start + _UPDATE_BATCH])


# A run that rewrites at least this many rows, and at least half of the table, has
# SQLite build the indexes over the columns it writes afresh (see _indexes_rebuilt).
_REBUILD_MIN_ROWS = 20_000
# The columns a run writes: an index over any of them changes with every row written.
_WRITTEN = frozenset((*_UPDATE_COLUMNS, "updated_at"))


def _rewrites_most(connection: Any, rows: int) -> bool:
    if rows < _REBUILD_MIN_ROWS:
        return False
    total = connection.exec_driver_sql("SELECT count(*) FROM transactions").scalar()
    return rows * 2 >= int(total or 0)


@contextmanager
def _indexes_rebuilt(connection: Any, rebuild: bool) -> Iterator[None]:
    """On SQLite, when a run rewrites most of the table (a first sync, or everything
    classified again on a one-household instance), the indexes over the columns it
    writes are dropped first and built again afterwards, from their own definitions,
    in the same transaction.

    Changing an index entry is a delete and an insert in its B-tree, a random place in
    it for each row; building the index sorts once. At 100,000 rows building four
    indexes cost about half of keeping them up to date row by row. Readers keep
    their snapshot, indexes included (write-ahead log); a failed run rolls the drop
    back with the rest. The indexes are built again whatever happens in the block, so
    no caller can commit a table without them.
    """
    if not rebuild:
        yield
        return
    kept: list[str] = []
    indexes = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'transactions' AND sql IS NOT NULL"
    ).all()
    for name, definition in indexes:
        columns = {row[2] for row in connection.exec_driver_sql(f'PRAGMA index_info("{name}")')}
        # A partial index may name a written column in its condition alone.
        if columns & _WRITTEN or " where " in definition.lower():
            kept.append(definition)
            connection.exec_driver_sql(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for definition in kept:
            connection.exec_driver_sql(definition)


def _store_postgresql(db: Session, changes: list[_Change], now: datetime) -> None:
    # One statement per batch joins the table to the new values unnested from arrays
    # (one parameter per column): no per-row round trip, parse or plan.
    names = (*_UPDATE_COLUMNS, "id")
    arrays = ", ".join("%s::text[]" for _ in names)
    assignments = ", ".join(f"{name} = v.{name}" for name in _UPDATE_COLUMNS)
    statement = (
        f"UPDATE transactions AS t SET {assignments}, updated_at = %s "  # noqa: S608 - ours
        f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.id = v.id"
    )
    connection = db.connection()
    for start in range(0, len(changes), _PG_UPDATE_BATCH):
        columns = zip(*(c.values for c in changes[start : start + _PG_UPDATE_BATCH]), strict=True)
        connection.exec_driver_sql(statement, (now, *(list(column) for column in columns)))


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
    rows: dict[str, _Row],
    targets: frozenset[str] | None,
    *,
    everything_loaded: bool,
) -> int:
    context = _context(
        db, user_id, _merchant_categories(db, user_id, rows, everything_loaded=everything_loaded)
    )
    outcomes = domain.classify([r.txn for r in rows.values()], context, targets=targets)
    changes = _changes(rows, outcomes)
    if changes:
        _store(db, changes)
    return len(changes)


def reclassify_all(db: Session, user_id: str) -> ClassifyResult:
    """Classify every transaction of the user again, from scratch (their own choices kept)."""
    started = time.perf_counter()
    with _large_cache(db), _no_cycle_collection():
        rows = _load_all(db, user_id)
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
    if _has_row(db, user_id, _ANY_UNCLASSIFIED) and not _has_row(db, user_id, _ANY_CLASSIFIED):
        return reclassify_all(db, user_id)
    target_rows = _read(db, user_id, unclassified=True)
    ids = set(transaction_ids)
    if ids:
        target_rows.update(_load_ids(db, user_id, ids))
    if connection_ids and touched_since is not None:
        target_rows.update(
            _read(db, user_id, connection_ids=connection_ids, updated_since=touched_since)
        )
    if not target_rows:
        return ClassifyResult(0, 0, 0, time.perf_counter() - started)
    earliest = min(r.txn.created_at for r in target_rows.values()) - domain.PAIRING_WINDOW
    latest = max(r.txn.created_at for r in target_rows.values()) + domain.PAIRING_WINDOW
    rows = _read(db, user_id, since=earliest, until=latest)
    rows.update(target_rows)
    # The current partners of the targets are decided again with them.
    partners = {r.txn.linked_id for r in target_rows.values() if r.txn.linked_id}
    rows.update(_load_ids(db, user_id, partners - rows.keys()))
    targets = set(target_rows)
    # A row whose partner vanished (a pending item replaced by its settled successor)
    # is free again: decide it afresh.
    dangling = {r.txn.linked_id for r in rows.values() if r.txn.linked_id} - rows.keys()
    if dangling:
        gone = dangling - _existing_ids(db, user_id, dangling)
        targets.update(tid for tid, r in rows.items() if r.txn.linked_id in gone)
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
