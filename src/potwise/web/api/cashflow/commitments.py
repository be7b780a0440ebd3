"""Cash-flow API: commitments, detected, confirmed, dismissed or added by hand.

Amounts are integer minor units next to a `currency`, always positive: `direction`
says which way the money moves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.services.cashflow import commitments
from potwise.services.errors import InvalidInput
from potwise.web.api.schemas import Page, Pence
from potwise.web.security import AppSettings, CurrentCaller, Db, zone_for

router = APIRouter(tags=["cash flow"])

# Several answers have a field called `date`; the type goes by another name.
Day = date


def _now() -> datetime:
    return clock.now()


class CommitmentOut(BaseModel):
    id: str
    payee: str
    description: str
    display_name: str = Field(
        description="Its one name on every page (`payee` and `description` stay raw)."
    )
    amount: int = Field(description="Positive; `direction` says which way it moves.")
    currency: str
    cadence: str
    day_of_month: int | None
    next_date: Day | None
    last_date: Day | None
    direction: str
    status: str
    manual: bool
    active: bool = Field(description="False once the series stopped (e.g. cancelled).")
    confidence: float | None
    evidence: list[str] = Field(description="Transaction ids.")
    account_id: str | None


def commitment_out(v: commitments.CommitmentView) -> CommitmentOut:
    return CommitmentOut(
        id=v.id,
        payee=v.payee,
        description=v.description,
        display_name=v.name,
        amount=v.amount,
        currency=v.currency,
        cadence=v.cadence,
        day_of_month=v.day_of_month,
        next_date=v.next_date,
        last_date=v.last_date,
        direction=v.direction,
        status=v.status,
        manual=v.manual,
        active=v.active,
        confidence=v.confidence,
        evidence=list(v.evidence),
        account_id=v.account_id,
    )


class CommitmentPatch(BaseModel):
    status: str | None = Field(default=None, description="confirmed, dismissed or detected.")
    payee: str | None = Field(default=None, max_length=200)
    amount: Pence | None = None
    cadence: str | None = Field(default=None, max_length=32)
    day_of_month: int | None = None
    account_id: str | None = Field(default=None, max_length=32)


class CommitmentPatchWithId(CommitmentPatch):
    id: str = Field(max_length=32)


class CommitmentIn(BaseModel):
    payee: str | None = Field(default=None, max_length=200)
    amount: Pence | None = Field(default=None, description="Positive pence.")
    direction: str = Field(default="out", pattern="^(in|out)$")
    cadence: str = Field(default="monthly", max_length=32)
    next_date: Day | None = None
    account_id: str | None = Field(default=None, max_length=32)
    transaction_id: str | None = Field(
        default=None,
        max_length=32,
        description="Mark this transaction as recurring (payee, amount and date from it).",
    )


@router.get("/analytics/commitments", response_model=Page[CommitmentOut])
def list_commitments(
    caller: CurrentCaller,
    db: Db,
    settings: AppSettings,
    status_filter: Annotated[str | None, Query(alias="status", max_length=16)] = None,
) -> Page[CommitmentOut]:
    """Detected, confirmed, dismissed and manual commitments, next due first."""
    zone = zone_for(caller, settings)
    items = commitments.views(db, caller.user.id, now=_now(), zone=zone)
    return Page[CommitmentOut](
        items=[commitment_out(v) for v in items if status_filter in (None, v.status)]
    )


@router.post(
    "/analytics/commitments", response_model=CommitmentOut, status_code=status.HTTP_201_CREATED
)
def create_commitment(
    body: CommitmentIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> CommitmentOut:
    """A manual commitment, or `transaction_id` to mark a transaction as recurring."""
    zone = zone_for(caller, settings)
    if body.transaction_id is not None:
        view = commitments.from_transaction(
            db, caller.user.id, body.transaction_id, body.cadence, now=_now(), zone=zone
        )
        return commitment_out(view)
    if body.payee is None or body.amount is None or body.next_date is None:
        raise InvalidInput(
            "Give payee, amount and next_date (or transaction_id to mark one as recurring)."
        )
    view = commitments.create(
        db,
        caller.user.id,
        commitments.ManualCommitment(
            payee=body.payee,
            amount=body.amount,
            direction=body.direction,
            cadence=body.cadence,
            next_date=body.next_date,
            account_id=body.account_id,
        ),
        now=_now(),
        zone=zone,
    )
    return commitment_out(view)


def _patch(
    commitment_id: str, body: CommitmentPatch, caller: CurrentCaller, db: Db, settings: AppSettings
) -> CommitmentOut:
    zone = zone_for(caller, settings)
    view = commitments.update(
        db,
        caller.user.id,
        commitment_id,
        commitments.CommitmentEdit(
            status=body.status,
            payee=body.payee,
            amount=body.amount,
            cadence=body.cadence,
            day_of_month=body.day_of_month,
            account_id=body.account_id,
        ),
        now=_now(),
        zone=zone,
    )
    return commitment_out(view)


@router.patch("/analytics/commitments", response_model=CommitmentOut)
def patch_commitment(
    body: CommitmentPatchWithId, caller: CurrentCaller, db: Db, settings: AppSettings
) -> CommitmentOut:
    """Confirm, dismiss or edit the commitment named by `id` (an edit confirms it)."""
    return _patch(body.id, body, caller, db, settings)


@router.patch("/analytics/commitments/{commitment_id}", response_model=CommitmentOut)
def patch_commitment_by_path(
    commitment_id: str, body: CommitmentPatch, caller: CurrentCaller, db: Db, settings: AppSettings
) -> CommitmentOut:
    """Confirm, dismiss or edit one commitment (an edit confirms it)."""
    return _patch(commitment_id, body, caller, db, settings)
