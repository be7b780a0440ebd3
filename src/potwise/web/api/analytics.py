"""Analytics API: spending breakdowns and budgets.

Dates in queries and answers are the user's local calendar dates (their time
zone, else the server's `TIMEZONE`); amounts are integer minor units next to a
`currency`. A spending `amount` is what was spent: positive, refunds taken off.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.domain.spending import (
    Breakdown,
    GroupBy,
    GroupTotal,
    Window,
    month_key,
    month_start,
)
from potwise.services.insight import budgets, own_categories, spending
from potwise.web.api.schemas import Page, Pence
from potwise.web.security import AppSettings, CurrentCaller, Db, zone_for

router = APIRouter(tags=["analytics"])


class SpendingGroupOut(BaseModel):
    key: str = Field(description="`2026-04` by month; the category; the merchant key.")
    label: str
    amount: int = Field(description="Spent, positive; refunds reduce it.")
    count: int
    refunds: int = Field(description="Refunds included in `amount` (positive).")
    pending_amount: int = Field(description="The part of `amount` not settled yet.")
    pending_count: int
    card: int = Field(description="Spent on credit cards.")
    cash: int = Field(description="Spent from current and joint accounts.")
    other: int = Field(description="Spent from other accounts (e.g. savings).")
    previous: int | None = Field(description="The same group in the period before.")
    change: int | None
    change_percent: int | None


class SoFarOut(BaseModel):
    month: str = Field(description="The running month's group key (`2026-12`).")
    since: date
    until: date = Field(description="Exclusive: tomorrow.")
    previous_since: date
    previous_until: date = Field(description="Exclusive.")


class SpendingOut(BaseModel):
    group_by: GroupBy
    currency: str
    timezone: str
    since: date
    until: date = Field(description="Exclusive: the first day not counted.")
    previous_since: date | None = Field(
        description="The period compared with, like with like: the months before a range "
        "of whole months; for a range from the 1st of a month (this month so far), the "
        "same days of the month before (1-6 Dec against 1-6 Nov); else as many days before."
    )
    previous_until: date | None = Field(description="Exclusive, like `until`.")
    total: int
    count: int
    totals: SpendingGroupOut
    groups: list[SpendingGroupOut]
    top_merchants: list[SpendingGroupOut] = Field(
        description="The largest merchants (with group_by=merchant)."
    )
    month_so_far: SoFarOut | None = Field(
        default=None,
        description="By month, when the range holds the month still running: its group "
        "is compared like with like, with the same days of the month before.",
    )


def _group_out(group: GroupTotal) -> SpendingGroupOut:
    return SpendingGroupOut(
        key=group.key,
        label=group.label,
        amount=group.amount,
        count=group.count,
        refunds=group.refunds,
        pending_amount=group.pending_amount,
        pending_count=group.pending_count,
        card=group.card,
        cash=group.cash,
        other=group.other,
        previous=group.previous,
        change=group.change,
        change_percent=group.change_percent,
    )


def _spending_out(result: Breakdown, zone_name: str) -> SpendingOut:
    compared = result.total.previous is not None or result.group_by is GroupBy.MONTH
    return SpendingOut(
        group_by=result.group_by,
        currency=result.currency,
        timezone=zone_name,
        since=result.window.start,
        until=result.window.end,
        previous_since=result.previous_window.start if compared else None,
        previous_until=result.previous_window.end if compared else None,
        total=result.total.amount,
        count=result.total.count,
        totals=_group_out(result.total),
        groups=[_group_out(g) for g in result.groups],
        top_merchants=[_group_out(g) for g in result.top_merchants],
    )


@router.get("/analytics/spending", response_model=SpendingOut)
def spending_breakdown(
    caller: CurrentCaller,
    db: Db,
    settings: AppSettings,
    group_by: GroupBy = GroupBy.MONTH,
    since: Annotated[
        date | None, Query(description="First local date counted (default: 12 months ago).")
    ] = None,
    until: Annotated[
        date | None, Query(description="First local date not counted (default: next month).")
    ] = None,
    currency: Annotated[str, Query(pattern="^[A-Z]{3}$")] = "GBP",
    compare: Annotated[
        bool | None,
        Query(
            description="Compare categories or merchants with the period before "
            "(default: for ranges up to three months)."
        ),
    ] = None,
) -> SpendingOut:
    """Spending (internal transfers, pot moves and card repayments left out; declined
    never counted; pending included and flagged) by month, category or merchant, with
    credit cards and cash side by side and the change from the period before."""
    zone = zone_for(caller, settings)
    today = clock.now().astimezone(zone).date()
    window = spending.resolve_range(since, until, today)
    result = spending.breakdown(
        db,
        caller.user.id,
        group_by=group_by,
        window=window,
        zone=zone,
        currency=currency,
        compare=compare,
    )
    if group_by is GroupBy.CATEGORY:
        result = own_categories.with_names(db, caller.user.id, result)
    answer = _spending_out(result, str(zone))
    if group_by is GroupBy.MONTH:
        _compare_so_far(answer, db, caller.user.id, window, today, zone)
    return answer


def _compare_so_far(
    answer: SpendingOut, db: Db, user_id: str, window: Window, today: date, zone: ZoneInfo
) -> None:
    """The running month's group in `answer`, compared with the same days of the month
    before instead of the whole of it (six days of December against all of November
    says nothing)."""
    start = month_start(today)
    key = month_key(start)
    running = next((i for i, g in enumerate(answer.groups) if g.key == key), None)
    if running is None or not window.start <= start < window.end:
        return
    so_far = spending.breakdown(
        db,
        user_id,
        group_by=GroupBy.CATEGORY,
        window=Window(start, today + timedelta(days=1)),
        zone=zone,
        currency=answer.currency,
        compare=True,
    )
    total = so_far.total
    answer.groups[running] = answer.groups[running].model_copy(
        update={
            "previous": total.previous,
            "change": total.change,
            "change_percent": total.change_percent,
        }
    )
    answer.month_so_far = SoFarOut(
        month=key,
        since=so_far.window.start,
        until=so_far.window.end,
        previous_since=so_far.previous_window.start,
        previous_until=so_far.previous_window.end,
    )


# -- budgets ---------------------------------------------------------------------------


class BudgetIn(BaseModel):
    category: str = Field(min_length=1, max_length=64)
    amount: Pence = Field(
        strict=True, description="The cap per period, in minor units (pence); above 0."
    )
    currency: str = Field(default="GBP", pattern="^[A-Z]{3}$")
    period: str = Field(default="month", description="`month` or `pay_period`.")
    pay_day: str | int | None = Field(
        default=None,
        description='For `pay_period`: the day of the month, 1..31, or "last_working_day".',
    )
    rollover: bool = False


class BudgetPatch(BaseModel):
    category: str | None = Field(default=None, min_length=1, max_length=64)
    amount: Pence | None = Field(default=None, strict=True)
    period: str | None = None
    pay_day: str | int | None = None
    rollover: bool | None = None


class ProgressOut(BaseModel):
    period_start: date
    period_end: date = Field(description="The period's last day (inclusive).")
    spent: int
    rolled_over: int = Field(description="Unspent budget carried in from earlier periods.")
    available: int = Field(description="`amount` plus `rolled_over`.")
    remaining: int = Field(description="`available` minus `spent` (negative when over).")
    percent: int = Field(description="Whole percent of `available` spent, rounded down.")
    projected: int | None = Field(
        description="Spend at the period's end at the pace so far; null while it is too "
        "early to say (less than a quarter of the period gone by, or fewer than 3 "
        "payments in it)."
    )
    days_left: int
    status: str = Field(description="`ok`, `warning` (80 % or on pace to overspend), `over`.")


class BudgetOut(BaseModel):
    id: str
    category: str
    amount: int
    currency: str
    period: str
    pay_day: str | None
    pay_day_label: str | None
    rollover: bool
    created_at: datetime
    updated_at: datetime
    progress: ProgressOut


def _budget_out(item: budgets.BudgetView) -> BudgetOut:
    b, p = item.budget, item.progress
    return BudgetOut(
        id=b.id,
        category=b.category,
        amount=b.amount,
        currency=b.currency,
        period=b.period,
        pay_day=b.pay_day,
        pay_day_label=item.pay_day_label,
        rollover=b.rollover,
        created_at=b.created_at,
        updated_at=b.updated_at,
        progress=ProgressOut(
            period_start=p.period.start,
            period_end=p.period.end - timedelta(days=1),
            spent=p.spent,
            rolled_over=p.rolled_over,
            available=p.available,
            remaining=p.remaining,
            percent=p.percent,
            projected=p.projected,
            days_left=p.days_left,
            status=p.status,
        ),
    )


def _pay_day(value: str | int | None) -> str | None:
    return None if value is None else str(value)


@router.get("/budgets", response_model=Page[BudgetOut])
def list_budgets(caller: CurrentCaller, db: Db, settings: AppSettings) -> Page[BudgetOut]:
    """Your budgets, each with its progress in the current period."""
    zone = zone_for(caller, settings)
    items = budgets.list_with_progress(db, caller.user.id, now=clock.now(), zone=zone)
    return Page[BudgetOut](items=[_budget_out(i) for i in items])


@router.post("/budgets", response_model=BudgetOut, status_code=status.HTTP_201_CREATED)
def create_budget(
    body: BudgetIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> BudgetOut:
    """A cap on one category per calendar month or pay period (payday to payday)."""
    budget = budgets.create(
        db,
        caller.user.id,
        budgets.BudgetInput(
            category=body.category,
            amount=body.amount,
            currency=body.currency,
            period=body.period,
            pay_day=_pay_day(body.pay_day),
            rollover=body.rollover,
        ),
    )
    return get_budget(budget.id, caller, db, settings)


@router.get("/budgets/{budget_id}", response_model=BudgetOut)
def get_budget(budget_id: str, caller: CurrentCaller, db: Db, settings: AppSettings) -> BudgetOut:
    zone = zone_for(caller, settings)
    item = budgets.view(db, caller.user.id, budget_id, now=clock.now(), zone=zone)
    return _budget_out(item)


@router.patch("/budgets/{budget_id}", response_model=BudgetOut)
def patch_budget(
    budget_id: str, body: BudgetPatch, caller: CurrentCaller, db: Db, settings: AppSettings
) -> BudgetOut:
    budgets.update(
        db,
        caller.user.id,
        budget_id,
        budgets.BudgetChanges(
            category=body.category,
            amount=body.amount,
            period=body.period,
            pay_day=_pay_day(body.pay_day),
            rollover=body.rollover,
        ),
    )
    return get_budget(budget_id, caller, db, settings)


@router.delete("/budgets/{budget_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_budget(budget_id: str, caller: CurrentCaller, db: Db) -> Response:
    budgets.delete(db, caller.user.id, budget_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
