"""Commitments as the user sees and changes them: what detection found, merged with
what the user decided (the rules are `domain.commitments`).

Reading (:func:`views`, :func:`get`) only reads: the stored rows merged with the
latest detection, worked out in memory, so a detection shows (with the id it will
be stored under) before anything stored it. The changes (:func:`update`,
:func:`create`, :func:`from_transaction`) first store that merge
(`alignment.refresh`), so the row the user acts on is the one they saw.

Safe to spend and the forecast count every commitment that is not dismissed
and still running: a likely bill is subtracted until the user says it is not one.
An occurrence a recent payment already paid, pending or settled, is settled
(`domain.recurring.settle_paid`, matched within the user's preferences): the next
date moves on, so what left the balance is not subtracted a second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from fractions import Fraction
from typing import ClassVar

from sqlalchemy.orm import Session

from potwise.db.models import Account, Commitment, Transaction, new_id
from potwise.db.scoping import get_owned
from potwise.domain.commitments import CommitmentStatus, StoredCommitment, align, model_of
from potwise.domain.merchants import bill_name, merchant_key_for
from potwise.domain.recurring import DetectedCommitment, settle_paid
from potwise.domain.schedules import Cadence
from potwise.services.cashflow import alignment, plans, window
from potwise.services.cashflow.history import History, history
from potwise.services.errors import InvalidInput, NotFound

MAX_AMOUNT = 100_000_000


@dataclass(frozen=True)
class CommitmentView:
    """A commitment as the API and pages show it; ``amount`` is positive, ``direction``
    says which way it moves; ``model`` is what safe to spend and the forecast use."""

    #: The statuses, for templates (``c.statuses.CONFIRMED``).
    statuses: ClassVar[type[CommitmentStatus]] = CommitmentStatus

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
    status: CommitmentStatus
    manual: bool
    active: bool
    confidence: float | None
    evidence: tuple[str, ...]
    account_id: str | None
    model: DetectedCommitment

    @property
    def name(self) -> str:
        """What the pages and the API's display fields call it (`bill_name`)."""
        return bill_name(self.payee, self.description, typed=self.manual)

    @property
    def counted(self) -> bool:
        """Counted in safe to spend and the forecast."""
        return self.status is not CommitmentStatus.DISMISSED and self.active


@dataclass(frozen=True)
class Matching:
    """How near a payment must be to an occurrence to pay it (the user's preferences)."""

    working_days: int = 2
    amount_tolerance: Fraction = Fraction(3, 40)


def _view(row: StoredCommitment, found: History, matching: Matching) -> CommitmentView:
    model = model_of(row, found.detected_by_key().get(row.key), found.today)
    # An occurrence a payment already paid (pending included: it has left the balance)
    # is settled: the next date moves on, and nothing counts it again.
    model = settle_paid(
        model,
        found.recent_payments(),
        working_days=matching.working_days,
        amount_tolerance=matching.amount_tolerance,
    )
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
        evidence=row.evidence,
        account_id=row.account_id,
        model=model,
    )


def _order(v: CommitmentView) -> tuple[object, ...]:
    return (
        v.status is CommitmentStatus.DISMISSED,
        not v.active,
        v.next_date or date.max,
        v.payee,
        v.id,
    )


def views(
    db: Session, user_id: str, *, now: datetime, zone: tzinfo, found: History | None = None
) -> list[CommitmentView]:
    """Every commitment of the user (dismissed included), next due first: the stored
    ones in line with the latest detection. Reads only."""
    found = found or history(db, user_id, now=now, zone=zone)
    merged = align(user_id, alignment.stored(db, user_id), found.detected_by_key())
    prefs = plans.preferences(db, user_id)
    matching = Matching(prefs.match_working_days, prefs.match_amount_tolerance)
    return sorted((_view(r, found, matching) for r in merged.rows), key=_order)


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
    if edit.status is not None and edit.status not in set(CommitmentStatus):
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
    """Confirm, dismiss or edit one commitment. An edit confirms it (unless it dismisses).

    The user's commitments are stored in line with detection first: the one they
    act on may have been shown before anything stored it."""
    alignment.refresh(db, user_id, now=now, zone=zone)
    row = get_owned(db, Commitment, commitment_id, user_id)
    if row is None:
        raise NotFound("No such commitment.")
    _check(db, user_id, edit)
    edited = _edit(row, edit)
    if edit.status is not None:
        row.status = CommitmentStatus(edit.status).value
    elif edited and row.status == CommitmentStatus.DETECTED:
        row.status = CommitmentStatus.CONFIRMED.value
    db.commit()
    return get(db, user_id, commitment_id, now=now, zone=zone)


def _edit(row: Commitment, edit: CommitmentEdit) -> bool:
    """Apply the fields ``edit`` sets; whether it set any."""
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
    return edited


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
    window.check_date(item.next_date, now.astimezone(zone).date(), "next_date")
    _check(
        db,
        user_id,
        CommitmentEdit(
            payee=item.payee, amount=item.amount, cadence=item.cadence, account_id=item.account_id
        ),
    )
    alignment.refresh(db, user_id, now=now, zone=zone)
    row_id = new_id()
    row = Commitment(
        id=row_id,
        user_id=user_id,
        key=f"manual:{row_id}",
        status=CommitmentStatus.CONFIRMED.value,
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
