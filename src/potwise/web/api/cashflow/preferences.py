"""Cash-flow API: the preferences (payday, pots counted as cash, set-asides and how
closely a payment must match a commitment)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from potwise.services.cashflow import plans
from potwise.web.api.schemas import Pence
from potwise.web.security import CurrentCaller, Db

router = APIRouter(tags=["cash flow"])


class SetAsideIO(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    amount: Pence


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
