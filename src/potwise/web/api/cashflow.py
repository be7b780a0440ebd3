"""Cash-flow API: safe to spend, the forecast, commitments, planned items, card models
and the cash-flow preferences (payday, pots counted as cash, set-asides).

Amounts are integer minor units next to a `currency`. Dates are the user's local
calendar dates (their time zone, else the server's `TIMEZONE`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from potwise.db.models import PlannedItem
from potwise.domain.cashevents import CashEvent
from potwise.domain.cashflow import MAX_FORECAST_DAYS
from potwise.services.cashflow import commitments, outlook, plans
from potwise.services.errors import InvalidInput
from potwise.services.insight import budgets
from potwise.web.api.schemas import Page
from potwise.web.security import AppSettings, CurrentCaller, Db

router = APIRouter(tags=["cash flow"])

# Several answers have a field called `date`; the type goes by another name.
Day = date


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ safe to spend


class BreakdownLineOut(BaseModel):
    label: str
    amount: int
    kind: str = Field(
        description="cash, pot, commitment, planned, instalment, card_repayment, "
        "card_cover or set_aside."
    )
    date: Day | None = None


class SafeToSpendOut(BaseModel):
    amount: int
    currency: str
    today: Day
    next_payday: Day
    payday_source: str = Field(description="override, detected, or none (no regular pay found).")
    breakdown: list[BreakdownLineOut] = Field(description="Sums exactly to `amount`.")
    days_to_payday: int
    per_day: int = Field(description="What can be spent each day until payday.")
    per_day_remainder: int = Field(description="per_day * days_to_payday + this = amount.")
    overdraft_cushion: int = Field(description="Arranged overdraft, never counted as spendable.")
    cards_owed: int = Field(description="Owed on credit cards now (shown, not subtracted).")
    card_cover_used: int


@router.get("/analytics/safe-to-spend", response_model=SafeToSpendOut)
def get_safe_to_spend(caller: CurrentCaller, db: Db, settings: AppSettings) -> SafeToSpendOut:
    """Cash in current accounts minus everything committed before the next payday."""
    zone = budgets.user_zone(db, caller.user.id, settings.timezone)
    result, inputs = outlook.safe_to_spend_now(db, caller.user.id, now=_now(), zone=zone)
    return SafeToSpendOut(
        amount=result.amount,
        currency=result.currency,
        today=result.today,
        next_payday=result.next_payday,
        payday_source=inputs.payday_source,
        breakdown=[
            BreakdownLineOut(label=line.label, amount=line.amount, kind=line.kind, date=line.on)
            for line in result.breakdown
        ],
        days_to_payday=result.days_to_payday,
        per_day=result.per_day,
        per_day_remainder=result.per_day_remainder,
        overdraft_cushion=result.overdraft_cushion,
        cards_owed=result.cards_owed,
        card_cover_used=result.card_cover_used,
    )


# ------------------------------------------------------------------ forecast


class ForecastItemOut(BaseModel):
    date: Day = Field(description="The item's own date (an overdue one lands on day 1).")
    label: str
    amount: int
    kind: str
    account_id: str


class ForecastDayOut(BaseModel):
    date: Day
    balance: int
    low: int
    high: int
    everyday: int = Field(description="Everyday spending assumed that day.")
    items: list[ForecastItemOut]
    accounts: dict[str, int] = Field(description="Each current account's balance, by id.")


class LowPointOut(BaseModel):
    date: Day
    balance: int


class ForecastOut(BaseModel):
    currency: str
    next_payday: Day
    days: list[ForecastDayOut]
    low_point: LowPointOut
    breach: Day | None = Field(description="First day below zero, or null.")
    breach_overdraft: Day | None = Field(description="First day below the overdraft limit.")
    overdraft_limit: int


def _item_out(event: CashEvent) -> ForecastItemOut:
    # Built from the domain's own checked values: a year holds thousands of items, and
    # validating each again cost more than the forecast itself.
    return ForecastItemOut.model_construct(
        date=event.on,
        label=event.label,
        amount=event.amount,
        kind=event.kind.value,
        account_id=event.account_id,
    )


@router.get("/analytics/forecast", response_model=ForecastOut)
def get_forecast(
    caller: CurrentCaller,
    db: Db,
    settings: AppSettings,
    days: Annotated[int, Query(ge=1, le=MAX_FORECAST_DAYS)] = 90,
) -> Response:
    """The projected balance of the current accounts each day, with a likely range."""
    zone = budgets.user_zone(db, caller.user.id, settings.timezone)
    result, inputs = outlook.forecast_days(db, caller.user.id, days, now=_now(), zone=zone)
    out = ForecastOut(
        currency=outlook.CURRENCY,
        next_payday=inputs.next_payday,
        days=[
            ForecastDayOut.model_construct(
                date=d.date,
                balance=d.balance,
                low=d.low,
                high=d.high,
                everyday=d.everyday,
                items=[_item_out(e) for e in d.items],
                accounts=dict(d.accounts),
            )
            for d in result.days
        ],
        low_point=LowPointOut(date=result.low_point[0], balance=result.low_point[1]),
        breach=result.breach,
        breach_overdraft=result.first_below_overdraft,
        overdraft_limit=result.overdraft_limit,
    )
    # Serialised once, here: returned as a model, it would be dumped and validated
    # again against `response_model` (which still documents the shape).
    return Response(out.model_dump_json(), media_type="application/json")


# ------------------------------------------------------------------ commitments


class CommitmentOut(BaseModel):
    id: str
    payee: str
    description: str
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
    amount: int | None = None
    cadence: str | None = Field(default=None, max_length=32)
    day_of_month: int | None = None
    account_id: str | None = Field(default=None, max_length=32)


class CommitmentPatchWithId(CommitmentPatch):
    id: str = Field(max_length=32)


class CommitmentIn(BaseModel):
    payee: str | None = Field(default=None, max_length=200)
    amount: int | None = Field(default=None, description="Positive pence.")
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
    zone = budgets.user_zone(db, caller.user.id, settings.timezone)
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
    zone = budgets.user_zone(db, caller.user.id, settings.timezone)
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
    zone = budgets.user_zone(db, caller.user.id, settings.timezone)
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


# ------------------------------------------------------------------ planned items


class InstalmentOut(BaseModel):
    number: int
    date: Day
    amount: int
    interest: int
    principal: int


class PlannedItemOut(BaseModel):
    id: str
    label: str
    amount: int = Field(description="Signed: negative is money you pay.")
    currency: str
    date: Day = Field(description="The day it happens; for a plan, the first payment.")
    months: int | None
    annual_rate: str
    account_id: str | None
    total: int = Field(description="What it costs in all (with interest for a plan), signed.")
    instalments: list[InstalmentOut]


class PlannedItemIn(BaseModel):
    label: str = Field(min_length=1, max_length=200)
    amount: int = Field(description="Signed pence: negative for a cost.")
    date: Day
    months: int | None = Field(default=None, description="Set for an instalment plan.")
    annual_rate: str = Field(default="0", max_length=16, description="Nominal yearly percent.")
    account_id: str | None = Field(default=None, max_length=32)


def planned_out(item: PlannedItem) -> PlannedItemOut:
    plan = plans.plan_of(item)
    return PlannedItemOut(
        id=item.id,
        label=item.label,
        amount=item.amount,
        currency=item.currency,
        date=item.due_on,
        months=item.months,
        annual_rate=item.annual_rate,
        account_id=item.account_id,
        total=item.amount if plan is None else -plan.total,
        instalments=[]
        if plan is None
        else [
            InstalmentOut(
                number=i.number,
                date=i.on,
                amount=i.amount,
                interest=i.interest,
                principal=i.principal,
            )
            for i in plan.instalments
        ],
    )


@router.get("/analytics/planned-items", response_model=Page[PlannedItemOut])
def list_planned(caller: CurrentCaller, db: Db) -> Page[PlannedItemOut]:
    return Page[PlannedItemOut](
        items=[planned_out(i) for i in plans.list_planned(db, caller.user.id)]
    )


@router.post(
    "/analytics/planned-items", response_model=PlannedItemOut, status_code=status.HTTP_201_CREATED
)
def create_planned(body: PlannedItemIn, caller: CurrentCaller, db: Db) -> PlannedItemOut:
    """A one-off planned cost (or income), or with `months` an instalment plan."""
    item = plans.create_planned(
        db,
        caller.user.id,
        plans.PlannedInput(
            label=body.label,
            amount=body.amount,
            due_on=body.date,
            months=body.months,
            annual_rate=body.annual_rate,
            account_id=body.account_id,
        ),
    )
    return planned_out(item)


@router.delete("/analytics/planned-items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_planned(item_id: str, caller: CurrentCaller, db: Db) -> Response:
    plans.delete_planned(db, caller.user.id, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ card models


class CardModelOut(BaseModel):
    account_id: str
    name: str
    owed: int
    currency: str
    mode: str = Field(description="pay_in_full, fixed or minimum.")
    fixed_amount: int | None
    annual_rate: str
    due_day: int | None
    pay_from_account_id: str | None
    stored: bool = Field(description="False: the default (pay in full) is in use.")
    statement_balance: int | None = Field(
        default=None, description="Owed on the provider's last statement (pence), if reported."
    )
    statement_date: date | None = None
    payment_due: int | None = Field(
        default=None, description="The provider's payment due, the minimum (pence); not Amex."
    )
    payment_due_date: date | None = None


class CardModelIn(BaseModel):
    mode: str = Field(default="pay_in_full", max_length=16)
    fixed_amount: int | None = None
    annual_rate: str = Field(default="0", max_length=16)
    due_day: int | None = None
    pay_from_account_id: str | None = Field(default=None, max_length=32)


def card_out(s: plans.CardSetting) -> CardModelOut:
    return CardModelOut(
        account_id=s.account.id,
        name=s.account.name,
        owed=max(-(s.account.balance or 0), 0),
        currency=s.account.currency,
        mode=s.mode,
        fixed_amount=s.fixed_amount,
        annual_rate=s.annual_rate,
        due_day=s.due_day,
        pay_from_account_id=s.pay_from_account_id,
        stored=s.stored,
        statement_balance=None
        if s.account.statement_balance is None
        else max(-s.account.statement_balance, 0),
        statement_date=s.account.statement_date,
        payment_due=s.account.payment_due,
        payment_due_date=s.account.payment_due_date,
    )


@router.get("/analytics/card-models", response_model=Page[CardModelOut])
def list_card_models(caller: CurrentCaller, db: Db) -> Page[CardModelOut]:
    """Each open credit card with how it is repaid."""
    return Page[CardModelOut](items=[card_out(s) for s in plans.card_settings(db, caller.user.id)])


@router.put("/analytics/card-models/{account_id}", response_model=CardModelOut)
def put_card_model(
    account_id: str, body: CardModelIn, caller: CurrentCaller, db: Db
) -> CardModelOut:
    setting = plans.set_card_model(
        db,
        caller.user.id,
        account_id,
        plans.CardInput(
            mode=body.mode,
            fixed_amount=body.fixed_amount,
            annual_rate=body.annual_rate,
            due_day=body.due_day,
            pay_from_account_id=body.pay_from_account_id,
        ),
    )
    return card_out(setting)


# ------------------------------------------------------------------ preferences


class SetAsideIO(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    amount: int


class PreferencesIO(BaseModel):
    payday_day: int | None = Field(default=None, description="Your payday (1-31); null: detected.")
    payday_last_working_day: bool = False
    included_pot_ids: list[str] = Field(default_factory=list, description="Pots counted as cash.")
    set_asides: list[SetAsideIO] = Field(default_factory=list)
    match_working_days: int | None = Field(
        default=None,
        description="A payment matches a commitment within this many working days of its "
        "date (default 2; 0-10); null keeps the current value.",
    )
    match_amount_percent: str | None = Field(
        default=None,
        max_length=16,
        description='... and within this percentage of its amount (default "7.5"); a bill '
        "that rises beyond it is announced. Null keeps the current value.",
    )


def _prefs_out(p: plans.Preferences) -> PreferencesIO:
    return PreferencesIO(
        payday_day=p.payday_day,
        payday_last_working_day=p.payday_last_working_day,
        included_pot_ids=list(p.included_pot_ids),
        set_asides=[SetAsideIO(label=label, amount=amount) for label, amount in p.set_asides],
        match_working_days=p.match_working_days,
        match_amount_percent=p.match_amount_percent,
    )


@router.get("/analytics/cash-flow-settings", response_model=PreferencesIO)
def get_preferences(caller: CurrentCaller, db: Db) -> PreferencesIO:
    return _prefs_out(plans.preferences(db, caller.user.id))


@router.put("/analytics/cash-flow-settings", response_model=PreferencesIO)
def put_preferences(body: PreferencesIO, caller: CurrentCaller, db: Db) -> PreferencesIO:
    """Your payday (else detected), the pots counted as cash, what you set aside, and
    how closely a payment must match a commitment."""
    current = plans.preferences(db, caller.user.id)
    prefs = plans.set_preferences(
        db,
        caller.user.id,
        plans.Preferences(
            body.payday_day,
            body.payday_last_working_day,
            tuple(body.included_pot_ids),
            tuple((s.label, s.amount) for s in body.set_asides),
            current.match_working_days
            if body.match_working_days is None
            else body.match_working_days,
            current.match_amount_percent
            if body.match_amount_percent is None
            else body.match_amount_percent,
        ),
    )
    return _prefs_out(prefs)
