"""Commitments: what detection found, merged with what the user decided.

Every detection is stored as a `Commitment` row (status ``detected``) so it
has an id the user can act on; the rows follow detection as it changes. Once
the user confirms, edits or dismisses one, it is theirs:

* dismissed stays dismissed, whatever later detection finds, and counts nowhere;
* confirmed keeps the user's amount and schedule; only its evidence and
  confidence follow detection;
* detections nobody decided on follow detection, and disappear with it.

Manual commitments (added by hand, or "this transaction is recurring") are
rows with ``manual`` set and keys ``manual:<id>``; detection never touches them.

Safe to spend and the forecast count every commitment that is not dismissed
and still running: a likely bill is subtracted until the user says it is not one.
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from potwise.db.models import COMMITMENT_STATUSES, Account, Commitment, Transaction, new_id
from potwise.db.scoping import get_owned, owned
from potwise.domain.calendar import DEFAULT_CALENDAR
from potwise.domain.merchants import merchant_key_for
from potwise.domain.recurring import DetectedCommitment
from potwise.domain.schedules import Cadence, Roll, Schedule, occurrences
from potwise.services.cashflow.history import History, history
from potwise.services.errors import InvalidInput, NotFound

MAX_AMOUNT = 100_000_000
_DAY_COUNT = (Cadence.WEEKLY, Cadence.FORTNIGHTLY, Cadence.FOUR_WEEKLY)


@dataclass(frozen=True)
class CommitmentView:
    """A commitment as the API and pages show it; ``amount`` is positive, ``direction``
    says which way it moves; ``model`` is what safe to spend and the forecast use."""

    id: str
    key: str
    payee: str
    description: str
    amount: int
    currency: str
    cadence: str
    day_of_month: int | None
    next_date: date | None
    last_date: date | None
    direction: str
    status: str
    manual: bool
    active: bool
    confidence: float | None
    evidence: tuple[str, ...]
    account_id: str | None
    model: DetectedCommitment

    @property
    def counted(self) -> bool:
        """Counted in safe to spend and the forecast."""
        return self.status != "dismissed" and self.active


def _label(c: DetectedCommitment) -> str:
    return (c.description or c.payee)[:200]


def _copy_detection(row: Commitment, c: DetectedCommitment) -> None:
    row.payee = c.payee[:200]
    row.description = _label(c)
    row.amount = abs(c.amount)
    row.currency = c.currency
    row.cadence = c.cadence.value
    row.direction = c.direction
    row.account_id = c.account_id or None
    row.day_of_month = c.schedule.day_of_month
    row.anchor = c.schedule.anchor


def _differs(row: Commitment, c: DetectedCommitment) -> bool:
    return (
        row.amount,
        row.cadence,
        row.day_of_month,
        row.anchor,
        row.account_id,
        row.description,
        list(row.evidence or []),
        row.confidence,
    ) != (
        abs(c.amount),
        c.cadence.value,
        c.schedule.day_of_month,
        c.schedule.anchor,
        c.account_id or None,
        _label(c),
        list(c.evidence),
        c.confidence,
    )


# One alignment per user at a time in this process (striped locks, no per-user growth):
# a household's connections finish their syncs in several threads at once, and each
# finished sync checks the user's commitments.
_ALIGN_LOCKS = tuple(threading.Lock() for _ in range(64))


def _sync(db: Session, user_id: str, found: History) -> list[Commitment]:
    """Bring the stored detections in line with ``found``; returns every row."""
    with _ALIGN_LOCKS[zlib.crc32(user_id.encode()) % len(_ALIGN_LOCKS)]:
        return _align(db, user_id, found)


def _align(db: Session, user_id: str, found: History) -> list[Commitment]:
    rows = {r.key: r for r in db.scalars(owned(Commitment, user_id))}
    if user_id in found.synced:
        # Already in line with this detection: only the user's own actions changed
        # rows since, and those never need detection's values again.
        return list(rows.values())
    detected = found.detected_by_key()
    changed = False
    # A decision whose detection now carries another key (its day or cadence was
    # re-fitted on more history) follows the series: same payee and direction.
    orphans = {
        (r.payee, r.direction): r
        for r in sorted(rows.values(), key=lambda r: r.updated_at)
        if r.status != "detected" and not r.manual and r.key not in detected
    }
    for key, c in detected.items():
        if key in rows:
            continue
        orphan = orphans.pop((c.payee[:200], c.direction), None)
        if orphan is not None:
            del rows[orphan.key]
            orphan.key = key
            rows[key] = orphan
            changed = True
    for key, c in detected.items():
        row = rows.get(key)
        if row is None:
            row = Commitment(id=new_id(), user_id=user_id, key=key, status="detected")
            _copy_detection(row, c)
            row.evidence = list(c.evidence)
            row.confidence = c.confidence
            try:
                with db.begin_nested():
                    db.add(row)
            except IntegrityError:  # stored meanwhile by a concurrent request
                continue
            rows[key] = row
            changed = True
        elif row.status == "detected" and _differs(row, c):
            _copy_detection(row, c)
            row.evidence, row.confidence = list(c.evidence), c.confidence
            changed = True
        elif row.status != "detected" and (
            list(row.evidence or []) != list(c.evidence) or row.confidence != c.confidence
        ):
            row.evidence, row.confidence = list(c.evidence), c.confidence
            changed = True
    gone = [
        rows.pop(key).id
        for key, row in list(rows.items())
        if row.status == "detected" and not row.manual and key not in detected
    ]
    if gone:
        # Only what is still an undecided detection: another process may have removed
        # a row already, or the user confirmed it a moment ago.
        db.execute(
            delete(Commitment).where(
                Commitment.id.in_(gone),
                Commitment.status == "detected",
                Commitment.manual.is_(False),
            )
        )
        changed = True
    if changed:
        db.commit()
    found.synced.add(user_id)
    return list(rows.values())


def _schedule(row: Commitment, today: date) -> Schedule:
    cadence = Cadence(row.cadence)
    anchor = row.anchor or today
    roll = Roll.PREVIOUS if row.direction == "in" else Roll.NEXT
    if cadence in _DAY_COUNT or cadence is Cadence.MONTHLY_LAST_WORKING_DAY:
        return Schedule(cadence, anchor, roll)
    return Schedule(cadence, anchor, roll, day_of_month=row.day_of_month or anchor.day)


def _from_row(row: Commitment, today: date, base: DetectedCommitment | None) -> DetectedCommitment:
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
        evidence=tuple(row.evidence or ()),
        description=row.description or row.payee,
    )


def _model(row: Commitment, found: History) -> DetectedCommitment:
    base = found.detected_by_key().get(row.key)
    if base is None or row.manual:
        return _from_row(row, found.today, base)
    if row.status == "detected" or not (
        row.amount != abs(base.amount)
        or row.cadence != base.cadence.value
        or row.day_of_month != base.schedule.day_of_month
    ):
        return replace(
            base, description=row.description or base.description, account_id=row.account_id or ""
        )
    return _from_row(row, found.today, base)


def _view(row: Commitment, found: History) -> CommitmentView:
    model = _model(row, found)
    return CommitmentView(
        id=row.id,
        key=row.key,
        payee=row.payee,
        description=row.description or row.payee,
        amount=row.amount,
        currency=row.currency,
        cadence=row.cadence,
        day_of_month=row.day_of_month,
        next_date=model.next_date if model.active else None,
        last_date=None if row.manual else model.last_date,
        direction=row.direction,
        status=row.status,
        manual=row.manual,
        active=model.active,
        confidence=row.confidence,
        evidence=tuple(row.evidence or ()),
        account_id=row.account_id,
        model=model,
    )


def _order(v: CommitmentView) -> tuple[object, ...]:
    return (v.status == "dismissed", not v.active, v.next_date or date.max, v.payee, v.id)


def views(
    db: Session, user_id: str, *, now: datetime, zone: tzinfo, found: History | None = None
) -> list[CommitmentView]:
    """Every commitment of the user (dismissed included), next due first."""
    found = found or history(db, user_id, now=now, zone=zone)
    return sorted((_view(r, found) for r in _sync(db, user_id, found)), key=_order)


def get(
    db: Session, user_id: str, commitment_id: str, *, now: datetime, zone: tzinfo
) -> CommitmentView:
    for v in views(db, user_id, now=now, zone=zone):
        if v.id == commitment_id:
            return v
    raise NotFound("No such commitment.")


@dataclass(frozen=True)
class CommitmentEdit:
    """A change from the user; None leaves a field as it is."""

    status: str | None = None
    payee: str | None = None
    amount: int | None = None
    cadence: str | None = None
    day_of_month: int | None = None
    account_id: str | None = None


def _check(db: Session, user_id: str, edit: CommitmentEdit) -> None:
    if edit.status is not None and edit.status not in COMMITMENT_STATUSES:
        raise InvalidInput("status must be detected, confirmed or dismissed.")
    if edit.amount is not None and not 0 < edit.amount <= MAX_AMOUNT:
        raise InvalidInput("amount must be a positive number of pence, at most £1,000,000.")
    if edit.cadence is not None and edit.cadence not in {c.value for c in Cadence}:
        raise InvalidInput("cadence must be one of " + ", ".join(c.value for c in Cadence) + ".")
    if edit.day_of_month is not None and not 1 <= edit.day_of_month <= 31:
        raise InvalidInput("day_of_month must be 1-31.")
    if edit.payee is not None and not edit.payee.strip():
        raise InvalidInput("payee must not be empty.")
    if edit.account_id is not None:
        account = get_owned(db, Account, edit.account_id, user_id)
        if account is None or account.kind not in ("current", "joint"):
            raise InvalidInput("account_id must be one of your current accounts.")


def update(
    db: Session,
    user_id: str,
    commitment_id: str,
    edit: CommitmentEdit,
    *,
    now: datetime,
    zone: tzinfo,
) -> CommitmentView:
    """Confirm, dismiss or edit one commitment. An edit confirms it (unless it dismisses)."""
    row = get_owned(db, Commitment, commitment_id, user_id)
    if row is None:
        raise NotFound("No such commitment.")
    _check(db, user_id, edit)
    edited = False
    if edit.payee is not None:
        row.description, edited = edit.payee.strip()[:200], True
    if edit.amount is not None:
        row.amount, edited = edit.amount, True
    if edit.cadence is not None:
        row.cadence, edited = edit.cadence, True
    if edit.day_of_month is not None:
        row.day_of_month, edited = edit.day_of_month, True
    if edit.account_id is not None:
        row.account_id, edited = edit.account_id, True
    if edit.status is not None:
        row.status = edit.status
    elif edited and row.status == "detected":
        row.status = "confirmed"
    db.commit()
    return get(db, user_id, commitment_id, now=now, zone=zone)


@dataclass(frozen=True)
class ManualCommitment:
    payee: str
    amount: int
    direction: str
    cadence: str
    next_date: date
    account_id: str | None = None


def create(
    db: Session, user_id: str, item: ManualCommitment, *, now: datetime, zone: tzinfo
) -> CommitmentView:
    """Add a commitment by hand, confirmed, first due on ``next_date``."""
    if item.direction not in ("in", "out"):
        raise InvalidInput("direction must be in or out.")
    _check(
        db,
        user_id,
        CommitmentEdit(
            payee=item.payee, amount=item.amount, cadence=item.cadence, account_id=item.account_id
        ),
    )
    row_id = new_id()
    row = Commitment(
        id=row_id,
        user_id=user_id,
        key=f"manual:{row_id}",
        status="confirmed",
        manual=True,
        payee=item.payee.strip()[:200],
        description=item.payee.strip()[:200],
        amount=item.amount,
        currency="GBP",
        cadence=item.cadence,
        direction=item.direction,
        account_id=item.account_id,
        day_of_month=item.next_date.day,
        anchor=item.next_date,
        evidence=[],
        confidence=None,
    )
    db.add(row)
    db.commit()
    return get(db, user_id, row_id, now=now, zone=zone)


def from_transaction(
    db: Session, user_id: str, transaction_id: str, cadence: str, *, now: datetime, zone: tzinfo
) -> CommitmentView:
    """ "This transaction is recurring": a manual commitment like it, from its date on."""
    tx = get_owned(db, Transaction, transaction_id, user_id)
    if tx is None:
        raise NotFound("No such transaction.")
    if tx.amount == 0:
        raise InvalidInput("A transaction of nothing cannot recur.")
    account = db.get(Account, tx.account_id)
    payee = tx.merchant or merchant_key_for(tx.merchant, tx.counterparty, tx.description)
    return create(
        db,
        user_id,
        ManualCommitment(
            payee=(payee or tx.description or "Recurring payment")[:200],
            amount=abs(tx.amount),
            direction="in" if tx.amount > 0 else "out",
            cadence=cadence,
            next_date=tx.created_at.astimezone(zone).date(),
            account_id=tx.account_id if account and account.kind in ("current", "joint") else None,
        ),
        now=now,
        zone=zone,
    )
