"""What a transactions export covers, checked before a byte is sent, and its rows read
in batches so a large export holds one batch in memory, never the whole history.

The checks (the account is the user's, the period is sound) run on the request's
session, so a bad request answers 400 or 404. The rows are read afterwards, while the
file streams, a batch at a time in a short session of its own: no transaction stays
open while a slow client downloads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Account, Transaction
from potwise.db.scoping import get_owned, owned
from potwise.services.errors import NotFound
from potwise.services.exports.period import Period, parse_period

BATCH_SIZE = 500


@dataclass(frozen=True)
class ExportAccount:
    """What an export says of an account (read once, before the rows stream)."""

    id: str
    external_id: str
    provider: str
    kind: str
    name: str
    currency: str
    balance: int | None
    balance_at: datetime | None


@dataclass(frozen=True)
class Selection:
    """The user's accounts an export covers (one, or all of them) and its period."""

    user_id: str
    accounts: tuple[ExportAccount, ...]
    period: Period
    one_account: bool

    def names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.accounts}

    def filename(self, extension: str) -> str:
        """`potwise-transactions-<account>-<first day>-to-<last day>.<extension>`."""
        who = _slug(self.accounts[0].name) if self.one_account else "all-accounts"
        first = self.period.first_day()
        last = self.period.last_day()
        span = f"{first.isoformat() if first else 'start'}-to-{last.isoformat() if last else 'now'}"
        return f"potwise-transactions-{who}-{span}.{extension}"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "account"


def _export_account(a: Account) -> ExportAccount:
    return ExportAccount(
        id=a.id,
        external_id=a.external_id,
        provider=a.provider,
        kind=a.kind,
        name=a.name,
        currency=a.currency,
        balance=a.balance,
        balance_at=a.balance_at,
    )


def select_transactions(
    db: Session,
    user_id: str,
    *,
    account_id: str | None,
    since: str | None,
    until: str | None,
    zone: ZoneInfo,
) -> Selection:
    """The export asked for, or `InvalidInput` (a bad period) / `NotFound` (an account
    that is not the user's: someone else's answers as if it did not exist)."""
    period = parse_period(since, until, zone)
    if account_id:
        account = get_owned(db, Account, account_id, user_id)
        if account is None:
            raise NotFound("No such account.")
        accounts = [account]
    else:
        accounts = list(
            db.scalars(owned(Account, user_id).order_by(Account.kind, Account.name, Account.id))
        )
    return Selection(
        user_id=user_id,
        accounts=tuple(_export_account(a) for a in accounts),
        period=period,
        one_account=bool(account_id),
    )


def transaction_batches(
    sessions: sessionmaker[Session],
    selection: Selection,
    account_ids: Sequence[str],
    *,
    statuses: Sequence[str] | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[list[Transaction]]:
    """The selection's transactions on `account_ids`, oldest first, `batch_size` at a
    time, each batch read in a session of its own (keyset paging by time and id)."""
    if not account_ids:
        return
    statement = owned(Transaction, selection.user_id).where(
        Transaction.account_id.in_(list(account_ids))
    )
    period = selection.period
    if period.since is not None:
        statement = statement.where(Transaction.created_at >= period.since)
    if period.until is not None:
        statement = statement.where(Transaction.created_at < period.until)
    if statuses is not None:
        statement = statement.where(Transaction.status.in_(list(statuses)))
    statement = statement.order_by(Transaction.created_at, Transaction.id).limit(batch_size)
    after: tuple[datetime, str] | None = None
    while True:
        page = statement
        if after is not None:
            page = page.where(
                or_(
                    Transaction.created_at > after[0],
                    and_(Transaction.created_at == after[0], Transaction.id > after[1]),
                )
            )
        with sessions() as db:
            rows = list(db.scalars(page))
        if rows:
            yield rows
        if len(rows) < batch_size:
            return
        after = (rows[-1].created_at, rows[-1].id)


def first_time(sessions: sessionmaker[Session], selection: Selection) -> datetime | None:
    """When the selection's earliest transaction happened (None: it has none)."""
    statement = owned(Transaction, selection.user_id).where(
        Transaction.account_id.in_([a.id for a in selection.accounts])
    )
    if selection.period.until is not None:
        statement = statement.where(Transaction.created_at < selection.period.until)
    with sessions() as db:
        first = db.scalars(statement.order_by(Transaction.created_at).limit(1)).first()
    return first.created_at if first else None


def all_transactions(
    sessions: sessionmaker[Session], selection: Selection
) -> Iterator[list[Transaction]]:
    """Every transaction of the selection, whatever its status."""
    yield from transaction_batches(sessions, selection, [a.id for a in selection.accounts])
