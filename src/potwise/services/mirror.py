"""Reading the mirror: accounts, pots and transactions of one user, with cursor paging."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection, Pot, Transaction
from potwise.db.scoping import for_user, get_owned, owned
from potwise.domain import merchants
from potwise.domain.amount_search import amount_query
from potwise.services.errors import InvalidInput, NotFound

MAX_PAGE = 500
DEFAULT_PAGE = 50


@dataclass(frozen=True)
class AccountRow:
    account: Account
    connection_status: str


def list_accounts(db: Session, user_id: str) -> list[AccountRow]:
    rows = db.execute(
        owned(Account, user_id)
        .join(Connection, Connection.id == Account.connection_id)
        .add_columns(Connection.status)
        .order_by(Account.closed, Account.kind, Account.name)
    ).all()
    return [AccountRow(account, status) for account, status in rows]


def get_account(db: Session, user_id: str, account_id: str) -> AccountRow:
    account = get_owned(db, Account, account_id, user_id)
    if account is None:
        raise NotFound("No such account.")
    connection = db.get(Connection, account.connection_id)
    return AccountRow(account, connection.status if connection else "unknown")


def list_pots(db: Session, user_id: str, *, include_deleted: bool = False) -> list[Pot]:
    statement = owned(Pot, user_id).order_by(Pot.deleted, Pot.name)
    if not include_deleted:
        statement = statement.where(Pot.deleted.is_(False))
    return list(db.scalars(statement))


# Times asked for are refused outside these years: far beyond any transaction, and far
# enough inside what datetime holds that no offset or added day can overflow it.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "must be between the years 1900 and 2999"


def in_range(value: datetime) -> bool:
    """Whether an aware `value` lies between EARLIEST and LATEST (in UTC)."""
    try:
        return EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:  # year 1 at +14:00, year 9999 at -12:00
        return False


def _encode_cursor(row: Transaction) -> str:
    raw = f"{row.created_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, _, row_id = base64.urlsafe_b64decode(padded).decode().partition("|")
        when = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("The cursor is not valid; start from the first page.") from exc
    if when.tzinfo is None or not row_id or not in_range(when):
        raise InvalidInput("The cursor is not valid; start from the first page.")
    return when, row_id


@dataclass(frozen=True)
class TransactionFilter:
    account_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None
    query: str | None = None
    status: str | None = None


def _check_times(filters: TransactionFilter) -> None:
    for name, value in (("since", filters.since), ("until", filters.until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput("Give times with a time zone (e.g. 2026-11-01T00:00:00Z).")
        if value is not None and not in_range(value):
            raise InvalidInput(f"{name} {OUT_OF_RANGE}.")


def list_transactions(
    db: Session,
    user_id: str,
    filters: TransactionFilter,
    *,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
) -> tuple[list[Transaction], str | None]:
    """Newest first; returns the page and the cursor of the next one (None at the end)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}.")
    _check_times(filters)
    statement = _filtered(db, user_id, filters)
    if cursor:
        when, row_id = _decode_cursor(cursor)
        statement = statement.where(
            or_(
                Transaction.created_at < when,
                and_(Transaction.created_at == when, Transaction.id < row_id),
            )
        )
    rows = list(
        db.scalars(
            statement.order_by(Transaction.created_at.desc(), Transaction.id.desc()).limit(
                limit + 1
            )
        )
    )
    if len(rows) > limit:
        return rows[:limit], _encode_cursor(rows[limit - 1])
    return rows, None


def _filtered(db: Session, user_id: str, filters: TransactionFilter) -> Select[Transaction]:
    """The user's transactions that pass `filters` (the account must be theirs)."""
    statement = owned(Transaction, user_id)
    if filters.account_id is not None:
        if get_owned(db, Account, filters.account_id, user_id) is None:
            raise NotFound("No such account.")
        statement = statement.where(Transaction.account_id == filters.account_id)
    if filters.since is not None:
        statement = statement.where(Transaction.created_at >= filters.since)
    if filters.until is not None:
        statement = statement.where(Transaction.created_at < filters.until)
    if filters.category:
        statement = statement.where(Transaction.category == filters.category)
    if filters.status:
        statement = statement.where(Transaction.status == filters.status)
    if filters.query:
        statement = statement.where(_matches(filters.query))
    return statement


def _matches(query: str) -> ColumnElement[bool]:
    """The search: the words typed as a substring of the description or the merchant,
    or, when they read as an amount ("12.99", "£12.99", "-12.99"), that amount."""
    # autoescape (LIKE ... ESCAPE '/') makes `%` and `_` plain characters rather than
    # wildcards matching everything.
    words = query.strip().lower()
    found: list[ColumnElement[bool]] = [
        func.lower(Transaction.description).contains(words, autoescape=True),
        func.lower(func.coalesce(Transaction.merchant, "")).contains(words, autoescape=True),
    ]
    amount = amount_query(query)
    if amount is not None:
        found.append(Transaction.amount.in_(amount.amounts()))
        found.append(Transaction.local_amount.in_(amount.amounts()))
    return or_(*found)


@dataclass(frozen=True)
class CurrencyTotal:
    """What a filter's transactions in one currency add up to: money in (positive),
    money out (negative, as transactions are signed) and the two together. Declined
    transactions are counted but move no money."""

    currency: str
    count: int
    money_in: int
    money_out: int

    @property
    def net(self) -> int:
        return self.money_in + self.money_out


@dataclass(frozen=True)
class Summary:
    """Every transaction a filter finds (not one page of them): how many, and the
    totals per currency, the most used first."""

    count: int
    totals: list[CurrencyTotal]


def summarise(db: Session, user_id: str, filters: TransactionFilter) -> Summary:
    """The count and totals of everything `filters` finds, in one grouped query."""
    _check_times(filters)
    found = _filtered(db, user_id, filters).subquery()
    moved = found.c.status != "declined"
    money_in = func.sum(case((and_(moved, found.c.amount > 0), found.c.amount), else_=0))
    money_out = func.sum(case((and_(moved, found.c.amount < 0), found.c.amount), else_=0))
    rows = db.execute(
        select(found.c.currency, func.count(), money_in, money_out)
        .group_by(found.c.currency)
        .order_by(func.count().desc(), found.c.currency)
    ).all()
    totals = [CurrencyTotal(str(c), int(n), int(i or 0), int(o or 0)) for c, n, i, o in rows]
    return Summary(count=sum(t.count for t in totals), totals=totals)


def account_names(db: Session, user_id: str) -> dict[str, str]:
    rows = db.execute(for_user(select(Account.id, Account.name), Account, user_id)).all()
    return {account_id: name for account_id, name in rows}


def transaction_names(db: Session, user_id: str, rows: Iterable[Transaction]) -> dict[str, str]:
    """What each transaction is called on the pages and in the API's `display_name`:
    a pot move names its pot (from the mirrored pots: "Into your Bills pot"), any other
    its merchant or payee by `merchants.display_name`."""
    rows = list(rows)
    wanted = {t.pot_external_id for t in rows if t.pot_external_id}
    pots: dict[str, str] = {}
    if wanted:
        found = db.execute(
            for_user(select(Pot.external_id, Pot.name), Pot, user_id).where(
                Pot.external_id.in_(wanted)
            )
        ).all()
        pots = {external_id: name for external_id, name in found}
    return {t.id: transaction_name(t, pots) for t in rows}


def transaction_name(t: Transaction, pots: dict[str, str]) -> str:
    if t.pot_external_id:
        return merchants.pot_move_name(pots.get(t.pot_external_id), t.amount)
    return merchants.display_name(t.merchant, t.counterparty, t.description)
