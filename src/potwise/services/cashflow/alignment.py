"""Storing what detection found: the user's commitments brought in line with it.

Reading commitments (`commitments.views`, the pages, safe to spend) only reads:
it shows the stored rows merged with the latest detection
(`domain.commitments.align`). Storing that merge is :func:`refresh`, a write,
and it runs where writes belong:

* after each sync and after a webhook brings transactions, for a user with
  commitments stored already: the alert check stores the merge before it looks
  (`alerts.check_after_sync`);
* before a change the user makes to their commitments (the POSTs, in
  `commitments`), so the row they act on is the one they saw;
* in the daily look of the commitment alerts (`alerts.check_all`), which the
  worker runs: a freshly connected user's detections are stored there. Storing
  them after a new user's first sync instead would cost every user one more
  detection in that first cycle (about 30 ms of CPU each); their pages show the
  same figures either way, since a detection not stored yet already carries the
  id it will be stored under.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from potwise.db.models import Commitment, table_of
from potwise.db.scoping import for_user, owned
from potwise.domain.commitments import Alignment, CommitmentStatus, StoredCommitment, align
from potwise.services.cashflow.history import History, history

#: The stored columns, in the order of `StoredCommitment`'s fields.
_COLUMNS = (
    Commitment.id,
    Commitment.key,
    Commitment.status,
    Commitment.manual,
    Commitment.payee,
    Commitment.description,
    Commitment.amount,
    Commitment.currency,
    Commitment.cadence,
    Commitment.direction,
    Commitment.account_id,
    Commitment.day_of_month,
    Commitment.anchor,
    Commitment.evidence,
    Commitment.confidence,
    Commitment.updated_at,
)
#: What a change to a stored row may set (the id, user, status and manual flag stay).
_FOLLOWED = (
    "key",
    "payee",
    "description",
    "amount",
    "currency",
    "cadence",
    "direction",
    "account_id",
    "day_of_month",
    "anchor",
    "confidence",
)


def stored(db: Session, user_id: str) -> list[StoredCommitment]:
    """The user's stored commitments, as they are (one query, no ORM objects)."""
    rows = db.execute(for_user(select(*_COLUMNS), Commitment, user_id))
    return [_stored(row) for row in rows]


def _stored(values: Sequence[Any]) -> StoredCommitment:
    """A stored row's values, in `_COLUMNS` order, as the domain's commitment."""
    (
        row_id,
        key,
        status,
        manual,
        payee,
        description,
        amount,
        currency,
        cadence,
        direction,
        account_id,
        day_of_month,
        anchor,
        evidence,
        confidence,
        updated_at,
    ) = values
    return StoredCommitment(
        id=row_id,
        key=key,
        status=CommitmentStatus(status),
        manual=bool(manual),
        payee=payee,
        description=description,
        amount=amount,
        currency=currency,
        cadence=cadence,
        direction=direction,
        account_id=account_id,
        day_of_month=day_of_month,
        anchor=anchor,
        evidence=tuple(evidence or ()),
        confidence=confidence,
        updated_at=updated_at,
    )


def _snapshot(row: Commitment) -> StoredCommitment:
    return _stored([getattr(row, column.key) for column in _COLUMNS])


# One alignment per user at a time in this process (striped locks, no per-user growth):
# a household's connections finish their syncs in several threads at once, and each
# finished sync stores the user's commitments.
_ALIGN_LOCKS = tuple(threading.Lock() for _ in range(64))


def refresh(
    db: Session, user_id: str, *, now: datetime, zone: tzinfo, found: History | None = None
) -> None:
    """Store the user's commitments in line with detection as of ``now`` (the rows the
    reads show), and commit when anything changed. Once per detection in a process:
    until the user's history changes, a second call reads nothing more."""
    found = found or history(db, user_id, now=now, zone=zone)
    with _ALIGN_LOCKS[zlib.crc32(user_id.encode()) % len(_ALIGN_LOCKS)]:
        if user_id in found.synced:
            # Already in line with this detection: only the user's own actions changed
            # rows since, and those never need detection's values again.
            return
        rows = {r.id: r for r in db.scalars(owned(Commitment, user_id))}
        alignment = align(user_id, [_snapshot(r) for r in rows.values()], found.detected_by_key())
        if _store(db, user_id, rows, alignment):
            db.commit()
        found.synced.add(user_id)


def _store(db: Session, user_id: str, rows: dict[str, Commitment], alignment: Alignment) -> bool:
    """Write ``alignment`` into the session; whether anything was written."""
    written = False
    for new in alignment.changed:
        row = rows[new.id]
        for name in _FOLLOWED:
            if getattr(row, name) != getattr(new, name):
                setattr(row, name, getattr(new, name))
        if list(row.evidence or []) != list(new.evidence):
            row.evidence = list(new.evidence)
        written = True
    written = _add(db, user_id, alignment.added) or written
    if alignment.removed:
        # Only what is still an undecided detection: another process may have removed
        # a row already, or the user confirmed it a moment ago.
        db.execute(
            delete(Commitment).where(
                Commitment.id.in_(alignment.removed),
                Commitment.status == CommitmentStatus.DETECTED.value,
                Commitment.manual.is_(False),
            )
        )
        written = True
    return written


def _add(db: Session, user_id: str, added: tuple[StoredCommitment, ...]) -> bool:
    """Insert the new detections in one statement; one stored meanwhile by a concurrent
    refresh (the same id, or the same key) is left as it is."""
    if not added:
        return False
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [
        {
            "id": new.id,
            "user_id": user_id,
            "key": new.key,
            "status": new.status.value,
            "manual": new.manual,
            "payee": new.payee,
            "description": new.description,
            "amount": new.amount,
            "currency": new.currency,
            "cadence": new.cadence,
            "direction": new.direction,
            "account_id": new.account_id,
            "day_of_month": new.day_of_month,
            "anchor": new.anchor,
            "evidence": list(new.evidence),
            "confidence": new.confidence,
        }
        for new in added
    ]
    db.execute(insert(table_of(Commitment)).on_conflict_do_nothing(), rows)
    return True
