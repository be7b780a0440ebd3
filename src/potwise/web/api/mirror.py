"""`/api/v1/accounts`, `/pots`, `/transactions`: reading the local mirror."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from potwise.db.models import Pot, Transaction
from potwise.services import mirror
from potwise.web.api.schemas import Page
from potwise.web.security import CurrentCaller, Db

router = APIRouter(tags=["mirror"])


class AccountOut(BaseModel):
    id: str
    external_id: str
    provider: str
    kind: str
    name: str
    balance: int | None
    available: int | None
    credit_limit: int | None
    currency: str
    closed: bool
    connection_id: str
    connection_status: str
    balance_at: datetime | None


class PotOut(BaseModel):
    id: str
    external_id: str
    account_id: str
    name: str
    balance: int
    currency: str
    deleted: bool
    goal: int | None
    balance_at: datetime | None


class TransactionOut(BaseModel):
    id: str
    external_id: str
    account_id: str
    created_at: datetime
    settled_at: datetime | None
    amount: int
    currency: str
    local_amount: int | None
    local_currency: str | None
    description: str
    merchant: str | None
    category: str | None
    status: str
    classification: str | None
    counterparty: str | None
    pot_external_id: str | None
    #: What the pages call it: the pot of a pot move, else the merchant's one name
    #: (`merchant`, `description` and `counterparty` stay as the bank sent them).
    display_name: str | None = None
    #: The bank gave a date without a time (`created_at` is then that day's midnight UTC).
    date_only: bool = False


def _account_out(row: mirror.AccountRow) -> AccountOut:
    a = row.account
    return AccountOut(
        id=a.id,
        external_id=a.external_id,
        provider=a.provider,
        kind=a.kind,
        name=a.name,
        balance=a.balance,
        available=a.available,
        credit_limit=a.credit_limit,
        currency=a.currency,
        closed=a.closed,
        connection_id=a.connection_id,
        connection_status=row.connection_status,
        balance_at=a.balance_at,
    )


def transaction_out(t: Transaction, display_name: str | None = None) -> TransactionOut:
    out = TransactionOut.model_validate(t, from_attributes=True)
    out.display_name = display_name
    return out


@router.get("/accounts", response_model=Page[AccountOut])
def accounts(caller: CurrentCaller, db: Db) -> Page[AccountOut]:
    return Page[AccountOut](
        items=[_account_out(r) for r in mirror.list_accounts(db, caller.user.id)]
    )


@router.get("/accounts/{account_id}", response_model=AccountOut)
def account(account_id: str, caller: CurrentCaller, db: Db) -> AccountOut:
    return _account_out(mirror.get_account(db, caller.user.id, account_id))


@router.get("/pots", response_model=Page[PotOut])
def pots(
    caller: CurrentCaller,
    db: Db,
    include_deleted: Annotated[bool, Query(description="Also list deleted pots.")] = False,
) -> Page[PotOut]:
    items: list[Pot] = mirror.list_pots(db, caller.user.id, include_deleted=include_deleted)
    return Page[PotOut](items=[PotOut.model_validate(p, from_attributes=True) for p in items])


def _transaction_filter(
    account_id: Annotated[str | None, Query(max_length=32)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Words in the description or merchant, or an amount"),
    ] = None,
    status: Annotated[str | None, Query(pattern="^(pending|settled|declined)$")] = None,
) -> mirror.TransactionFilter:
    return mirror.TransactionFilter(
        account_id=account_id,
        since=since,
        until=until,
        category=category,
        query=q,
        status=status,
    )


Filters = Annotated[mirror.TransactionFilter, Depends(_transaction_filter)]


class CurrencyTotalOut(BaseModel):
    currency: str
    count: int
    money_in: int = Field(description="Money in, in minor units (positive)")
    money_out: int = Field(description="Money out, in minor units (negative, as transactions)")
    net: int = Field(description="money_in + money_out")


class TransactionSummaryOut(BaseModel):
    count: int = Field(description="Every transaction the filters find, not one page")
    totals: list[CurrencyTotalOut] = Field(
        description="Per currency, most used first; declined transactions move no money"
    )


@router.get("/transactions", response_model=Page[TransactionOut])
def transactions(
    caller: CurrentCaller,
    db: Db,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=mirror.MAX_PAGE)] = mirror.DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[TransactionOut]:
    """Newest first, with cursor paging: pass `next_cursor` back as `cursor`. `q` finds
    words in the description or merchant, and an amount ("12.99", "£12.99", "-12.99":
    with a sign, only money out or in)."""
    rows, next_cursor = mirror.list_transactions(
        db, caller.user.id, filters, limit=limit, cursor=cursor
    )
    names = mirror.transaction_names(db, caller.user.id, rows)
    return Page[TransactionOut](
        items=[transaction_out(t, names[t.id]) for t in rows], next_cursor=next_cursor
    )


@router.get("/transactions/summary", response_model=TransactionSummaryOut)
def transactions_summary(caller: CurrentCaller, db: Db, filters: Filters) -> TransactionSummaryOut:
    """How many transactions the same filters as `GET /transactions` find, and what they
    add up to (money in, money out, net), over every page."""
    summary = mirror.summarise(db, caller.user.id, filters)
    return TransactionSummaryOut(
        count=summary.count,
        totals=[
            CurrencyTotalOut(
                currency=t.currency,
                count=t.count,
                money_in=t.money_in,
                money_out=t.money_out,
                net=t.net,
            )
            for t in summary.totals
        ],
    )
