"""Cash-flow API: planned items, one-off costs or income and instalment plans."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.db.models import PlannedItem
from potwise.services.cashflow import plans
from potwise.web.api.schemas import Page, Pence
from potwise.web.security import AppSettings, CurrentCaller, Db, zone_for

router = APIRouter(tags=["cash flow"])

# Several answers have a field called `date`; the type goes by another name.
Day = date


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
    amount: Pence = Field(description="Signed pence: negative for a cost.")
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
def create_planned(
    body: PlannedItemIn, caller: CurrentCaller, db: Db, settings: AppSettings
) -> PlannedItemOut:
    """A one-off planned cost (or income), or with `months` an instalment plan. A one-off
    dated before today (the user's local date) is refused with 400 `invalid_input`: the
    forecast counts only what is still to come; a plan may have started already, when
    some of its instalments are still to come."""
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
        today=clock.now().astimezone(zone_for(caller, settings)).date(),
    )
    return planned_out(item)


@router.delete("/analytics/planned-items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_planned(item_id: str, caller: CurrentCaller, db: Db) -> Response:
    plans.delete_planned(db, caller.user.id, item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
