"""Cash-flow API: how each credit card is repaid (its card model)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, Field

from potwise.services.cashflow import plans
from potwise.web.api.schemas import Page, Pence
from potwise.web.security import CurrentCaller, Db

router = APIRouter(tags=["cash flow"])


class CardModelOut(BaseModel):
    account_id: str
    name: str
    owed: int = Field(
        description="Owed now, as the dashboard and the card-pot rule count it: pending "
        "charges the issuer leaves out of the balance (American Express) included, "
        "repayments on their way to the card taken off."
    )
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
    fixed_amount: Pence | None = None
    annual_rate: str = Field(default="0", max_length=16)
    due_day: int | None = None
    pay_from_account_id: str | None = Field(default=None, max_length=32)


def card_out(s: plans.CardSetting) -> CardModelOut:
    return CardModelOut(
        account_id=s.account.id,
        name=s.account.name,
        owed=s.owed,
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
