"""Commitments: what detection found, merged with what the user decided.

Every detection has a stored commitment (status ``detected``) so it has an id
the user can act on; the stored ones follow detection as it changes. Once the
user confirms, edits or dismisses one, it is theirs:

* dismissed stays dismissed, whatever later detection finds, and counts nowhere;
* confirmed keeps the user's amount and schedule; only its evidence and
  confidence follow detection;
* detections nobody decided on follow detection, and disappear with it.

Manual commitments (added by hand, or "this transaction is recurring") have
``manual`` set and keys ``manual:<id>``; detection never touches them.

:func:`align` works out, without touching anything, what the stored
commitments become once in line with a detection: reading the commitments
shows that merge, and storing it is a separate step (after a sync, on a change
the user makes, in the daily look). A detection not stored yet already has its
id: :func:`derived_id`, from the user and the detection's key, the same on
every read and when it is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from potwise.domain.calendar import DEFAULT_CALENDAR
from potwise.domain.recurring import DetectedCommitment
from potwise.domain.schedules import Cadence, Roll, Schedule, occurrences

__all__ = [
    "Alignment",
    "CommitmentStatus",
    "StoredCommitment",
    "align",
    "derived_id",
    "model_of",
]

_DAY_COUNT = (Cadence.WEEKLY, Cadence.FORTNIGHTLY, Cadence.FOUR_WEEKLY)


class CommitmentStatus(StrEnum):
    """Where the user stands on a commitment (the values are what is stored)."""

    #: Found by detection, nobody decided yet: follows detection.
    DETECTED = "detected"
    #: The user said it is right (or edited it): keeps the user's amount and schedule.
    CONFIRMED = "confirmed"
    #: The user said it is not a commitment: stays so, counts nowhere.
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class StoredCommitment:
    """A commitment as stored: a detection, or the user's decision about one, or one
    the user added. ``amount`` is positive; ``direction`` says which way it moves.
    ``updated_at`` is None for a detection not stored yet."""

    id: str
    key: str
    status: CommitmentStatus
    manual: bool
    payee: str
    description: str | None
    amount: int
    currency: str
    cadence: str
    direction: str
    account_id: str | None
    day_of_month: int | None
    anchor: date | None
    evidence: tuple[str, ...]
    confidence: float | None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Alignment:
    """The stored commitments once in line with a detection (``rows``), and what
    storing that takes: rows to add, stored rows whose values change (as they become)
    and the ids of undecided detections that are gone."""

    rows: tuple[StoredCommitment, ...]
    added: tuple[StoredCommitment, ...]
    changed: tuple[StoredCommitment, ...]
    removed: tuple[str, ...]

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def derived_id(user_id: str, key: str, taken: Iterable[str] = ()) -> str:
    """The id of the user's detection ``key``: 32 hex digits, the same whenever it is
    worked out, unless a stored row already holds it (one that kept its id while
    following its series to another key); then the next of a deterministic sequence."""
    used = set(taken)
    attempt = 0
    while True:
        seed = f"{user_id}\x00{key}\x00{attempt}" if attempt else f"{user_id}\x00{key}"
        candidate = hashlib.blake2b(seed.encode(), digest_size=16).hexdigest()
        if candidate not in used:
            return candidate
        attempt += 1


def _label(c: DetectedCommitment) -> str:
    return (c.description or c.payee)[:200]


def _with_detection(row: StoredCommitment, c: DetectedCommitment) -> StoredCommitment:
    """``row`` with detection's amount, schedule, evidence and confidence."""
    return replace(
        row,
        payee=c.payee[:200],
        description=_label(c),
        amount=abs(c.amount),
        currency=c.currency,
        cadence=c.cadence.value,
        direction=c.direction,
        account_id=c.account_id or None,
        day_of_month=c.schedule.day_of_month,
        anchor=c.schedule.anchor,
        evidence=tuple(c.evidence),
        confidence=c.confidence,
    )


def _differs(row: StoredCommitment, c: DetectedCommitment) -> bool:
    return (
        row.amount,
        row.cadence,
        row.day_of_month,
        row.anchor,
        row.account_id,
        row.description,
        row.evidence,
        row.confidence,
    ) != (
        abs(c.amount),
        c.cadence.value,
        c.schedule.day_of_month,
        c.schedule.anchor,
        c.account_id or None,
        _label(c),
        tuple(c.evidence),
        c.confidence,
    )


def _decided(row: StoredCommitment) -> bool:
    return row.status is not CommitmentStatus.DETECTED and not row.manual


def _last_update(row: StoredCommitment) -> tuple[bool, datetime]:
    # Oldest first, as stored; a row not stored yet (never a decision) after them.
    if row.updated_at is None:
        return (True, datetime.min.replace(tzinfo=UTC))
    return (False, row.updated_at)


def _follow_series(
    rows: dict[str, StoredCommitment], detected: Mapping[str, DetectedCommitment]
) -> set[str]:
    """A decision whose detection now carries another key (its day or cadence was
    re-fitted on more history) follows the series: same payee and direction. The
    most recently updated decision of a payee and direction wins. Returns the ids
    re-keyed; ``rows`` (by key) is updated in place."""
    orphans = {
        (r.payee, r.direction): r
        for r in sorted(rows.values(), key=_last_update)
        if _decided(r) and r.key not in detected
    }
    moved: set[str] = set()
    for key, c in detected.items():
        if key in rows:
            continue
        orphan = orphans.pop((c.payee[:200], c.direction), None)
        if orphan is not None:
            del rows[orphan.key]
            rows[key] = replace(orphan, key=key)
            moved.add(orphan.id)
    return moved


def _new_detection(user_id: str, c: DetectedCommitment, taken: set[str]) -> StoredCommitment:
    row_id = derived_id(user_id, c.key, taken)
    taken.add(row_id)
    blank = StoredCommitment(
        id=row_id,
        key=c.key,
        status=CommitmentStatus.DETECTED,
        manual=False,
        payee="",
        description=None,
        amount=0,
        currency=c.currency,
        cadence=c.cadence.value,
        direction=c.direction,
        account_id=None,
        day_of_month=None,
        anchor=None,
        evidence=(),
        confidence=None,
    )
    return _with_detection(blank, c)


def _followed(row: StoredCommitment, c: DetectedCommitment) -> StoredCommitment | None:
    """What a stored row becomes under its detection ``c``, or None when unchanged: an
    undecided one takes everything detection found, a decided one only its evidence
    and confidence."""
    if row.status is CommitmentStatus.DETECTED:
        return _with_detection(row, c) if _differs(row, c) else None
    if row.evidence != tuple(c.evidence) or row.confidence != c.confidence:
        return replace(row, evidence=tuple(c.evidence), confidence=c.confidence)
    return None


def align(
    user_id: str,
    stored: Iterable[StoredCommitment],
    detected: Mapping[str, DetectedCommitment],
) -> Alignment:
    """The user's stored commitments once in line with ``detected`` (by key): see the
    module's rules. Pure: the same rows and detection give the same answer, ids of new
    detections included."""
    rows = {r.key: r for r in stored}
    changed = _follow_series(rows, detected)
    taken = {r.id for r in rows.values()}
    added: list[StoredCommitment] = []
    for key, c in detected.items():
        row = rows.get(key)
        if row is None:
            rows[key] = _new_detection(user_id, c, taken)
            added.append(rows[key])
            continue
        followed = _followed(row, c)
        if followed is not None:
            rows[key] = followed
            changed.add(row.id)
    removed = tuple(
        rows.pop(key).id
        for key, row in list(rows.items())
        if row.status is CommitmentStatus.DETECTED and not row.manual and key not in detected
    )
    new_ids = {r.id for r in added}
    return Alignment(
        rows=tuple(rows.values()),
        added=tuple(added),
        changed=tuple(r for r in rows.values() if r.id in changed and r.id not in new_ids),
        removed=removed,
    )


# ------------------------------------------------------------------ the model


def _schedule(row: StoredCommitment, today: date) -> Schedule:
    cadence = Cadence(row.cadence)
    anchor = row.anchor or today
    roll = Roll.PREVIOUS if row.direction == "in" else Roll.NEXT
    if cadence in _DAY_COUNT or cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
        return Schedule(cadence, anchor, roll)
    return Schedule(cadence, anchor, roll, day_of_month=row.day_of_month or anchor.day)


def _from_row(
    row: StoredCommitment, today: date, base: DetectedCommitment | None
) -> DetectedCommitment:
    """The row's own amount and schedule, as the domain's commitment."""
    schedule = _schedule(row, today)
    upcoming = occurrences(schedule, today, today + timedelta(days=400), DEFAULT_CALENDAR)
    signed = row.amount if row.direction == "in" else -row.amount
    return DetectedCommitment(
        key=row.key,
        payee=row.payee,
        direction=row.direction,
        account_id=row.account_id or "",
        amount=signed,
        currency=row.currency,
        schedule=schedule,
        first_date=base.first_date if base else today,
        last_date=base.last_date if base else today,
        next_date=upcoming[0] if upcoming else None,
        active=bool(upcoming),
        confidence=row.confidence if row.confidence is not None else 1.0,
        evidence=tuple(row.evidence),
        description=row.description or row.payee,
        typed=row.manual,
    )


def model_of(
    row: StoredCommitment, base: DetectedCommitment | None, today: date
) -> DetectedCommitment:
    """What safe to spend and the forecast use for ``row``: its detection ``base`` while
    the user kept detection's amount and schedule (with the user's name and account),
    else the row's own amount and schedule from ``today``."""
    if base is None or row.manual:
        return _from_row(row, today, base)
    if row.status is CommitmentStatus.DETECTED or not (
        row.amount != abs(base.amount)
        or row.cadence != base.cadence.value
        or row.day_of_month != base.schedule.day_of_month
    ):
        return replace(
            base, description=row.description or base.description, account_id=row.account_id or ""
        )
    return _from_row(row, today, base)
