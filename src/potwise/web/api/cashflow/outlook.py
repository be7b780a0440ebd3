"""Cash-flow API: safe to spend and the forecast.

Amounts are integer minor units next to a `currency`. Dates are the user's local
calendar dates (their time zone, else the server's `TIMEZONE`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from potwise import clock
from potwise.domain.cashevents import CashEvent
from potwise.domain.cashflow import MAX_FORECAST_DAYS
from potwise.services.cashflow import outlook
from potwise.web.security import AppSettings, CurrentCaller, Db, zone_for

router = APIRouter(tags=["cash flow"])

# Several answers have a field called `date`; the type goes by another name.
Day = date


def _now() -> datetime:
    return clock.now()


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
    zone = zone_for(caller, settings)
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
    zone = zone_for(caller, settings)
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
