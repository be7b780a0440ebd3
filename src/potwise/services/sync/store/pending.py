"""Pending items that vanished: dropped, and the user's choices on them carried to
the settled rows that replaced them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select, true
from sqlalchemy.orm import Session

from potwise.db.models import Transaction, table_of
from potwise.domain import categories
from potwise.domain import classify as classification
from potwise.domain.merchants import merchant_key_for
from potwise.services.sync.store.scope import Scope

_TRANSACTIONS = table_of(Transaction)


def _chosen(columns: Any = Transaction) -> Any:
    """Rows carrying the user's own category or classification (never NULL, so that
    its negation holds for rows with no source at all). `columns`: the model, or the
    table's columns for a Core statement."""
    return or_(
        func.coalesce(columns.category_source, "") == categories.SOURCE_USER,
        func.coalesce(columns.classification_source, "") == classification.SOURCE_USER,
    )


def drop_vanished_pending(
    db: Session,
    scope: Scope,
    account_id: str,
    still_pending: set[str],
    *,
    since: datetime | None = None,
) -> int:
    """Delete pending rows of an account that the bank no longer lists as pending.

    A pending item either settles under a new id (which the settled list
    brings in) or simply disappears (an authorisation released); either way
    keeping it would count money twice or count money that never moved.
    With `since`, only rows inside the window the bank answered for are considered.

    Rows the user categorised or classified themselves are kept here: their
    choice moves to the settled successor once the settled list has been read
    (:func:`settle_chosen_pending`), which removes them then.
    """
    statement = _DROP_VANISHED if since is None else _DROP_VANISHED_SINCE
    result = db.execute(
        statement,
        {
            "account_id": account_id,
            "connection_id": scope.connection_id,
            # An empty list keeps every pending row in the condition (NOT IN nothing).
            "still_pending": sorted(still_pending),
            "since": since,
        },
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# Pending rows of an account the bank no longer lists (see drop_vanished_pending).
_DROP_VANISHED = delete(_TRANSACTIONS).where(
    _TRANSACTIONS.c.account_id == bindparam("account_id"),
    _TRANSACTIONS.c.connection_id == bindparam("connection_id"),
    _TRANSACTIONS.c.status == "pending",
    ~_chosen(_TRANSACTIONS.c),
    _TRANSACTIONS.c.external_id.not_in(bindparam("still_pending", expanding=True)),
)
_DROP_VANISHED_SINCE = _DROP_VANISHED.where(_TRANSACTIONS.c.created_at >= bindparam("since"))


# How far a settled row's time may be from its pending item's: banks date settled
# rows by the posting day (often back-dated to midnight) and settle up to days later.
SETTLE_BEFORE = timedelta(days=2)
SETTLE_AFTER = timedelta(days=10)
# A settled amount may differ from the authorisation (a tip, fuel, a currency rate).
SETTLE_AMOUNT_DRIFT = 0.25


def _key(t: Transaction) -> str | None:
    return merchant_key_for(t.merchant, t.counterparty, t.description)


def _successor_score(
    pending: Transaction, settled: Transaction, keys: dict[str, str | None]
) -> tuple[int, float] | None:
    """How close `settled` is to being `pending` settled (lower is closer), or None;
    `keys` holds each row's merchant key by id."""
    if (pending.amount < 0) != (settled.amount < 0) or pending.currency != settled.currency:
        return None
    if not (
        pending.created_at - SETTLE_BEFORE
        <= settled.created_at
        <= pending.created_at + SETTLE_AFTER
    ):
        return None
    difference = abs(settled.amount - pending.amount)
    key = keys[pending.id]
    if key is None or key != keys[settled.id]:
        # Nothing names the merchant: only the very same amount and text will do.
        if difference or pending.description != settled.description:
            return None
    elif difference > abs(pending.amount) * SETTLE_AMOUNT_DRIFT:
        return None
    return difference, abs((settled.created_at - pending.created_at).total_seconds())


def _unlink(db: Session, t: Transaction) -> None:
    """Undo an automatic pairing of `t`; its partner is left to be classified again."""
    partner_id, t.linked_transaction_id = t.linked_transaction_id, None
    if partner_id is None:
        return
    partner = db.get(Transaction, partner_id)
    if partner is not None and partner.linked_transaction_id == t.id:
        partner.linked_transaction_id = None
        if partner.classification_source != classification.SOURCE_USER:
            partner.classification = None


def settle_chosen_pending(
    db: Session, scope: Scope, account_id: str, still_pending: set[str]
) -> int:
    """Move the user's choices from vanished pending rows to their settled successors.

    Call after the account's settled transactions were written. A TrueLayer
    pending item settles under a new id, so the user's category or
    classification on it would otherwise be lost with the row. Each vanished
    pending row the user chose for is matched one-to-one with the closest
    settled row of the same account (same direction and currency, dated within
    a few days, the same merchant and an amount within a quarter of it, or the
    very same amount and text when no merchant is known) that carries no choice
    of its own; the choice is copied, then every such pending row is removed,
    matched or not (an authorisation released never settles). Returns how many
    choices moved.
    """
    vanished = _vanished_chosen(db, scope, account_id, still_pending)
    if not vanished:
        return 0
    candidates = _unchosen_settled_around(db, scope, account_id, vanished)
    keys = {t.id: _key(t) for t in (*vanished, *candidates)}
    moved = 0
    for pending in vanished:
        successor = _closest_successor(pending, candidates, keys)
        if successor is not None:
            candidates.remove(successor)
            _carry_choice(db, pending, successor)
            moved += 1
        db.delete(pending)
    db.flush()
    return moved


def _vanished_chosen(
    db: Session, scope: Scope, account_id: str, still_pending: set[str]
) -> list[Transaction]:
    """Pending rows of the account the user chose for and the bank no longer lists,
    oldest first."""
    return list(
        db.scalars(
            select(Transaction)
            .where(
                Transaction.account_id == account_id,
                Transaction.connection_id == scope.connection_id,
                Transaction.status == "pending",
                _chosen(),
                Transaction.external_id.not_in(still_pending) if still_pending else true(),
            )
            .order_by(Transaction.created_at, Transaction.id)
        )
    )


def _unchosen_settled_around(
    db: Session, scope: Scope, account_id: str, vanished: list[Transaction]
) -> list[Transaction]:
    """Settled rows of the account with no choice of their own, dated where a
    successor of one of the `vanished` rows (oldest first) could be."""
    return list(
        db.scalars(
            select(Transaction).where(
                Transaction.account_id == account_id,
                Transaction.connection_id == scope.connection_id,
                Transaction.status == "settled",
                Transaction.created_at >= vanished[0].created_at - SETTLE_BEFORE,
                Transaction.created_at <= vanished[-1].created_at + SETTLE_AFTER,
                ~_chosen(),
            )
        )
    )


def _closest_successor(
    pending: Transaction, candidates: list[Transaction], keys: dict[str, str | None]
) -> Transaction | None:
    """The candidate closest to being `pending` settled (ties: the lowest id), or None."""
    scored = [
        (score, settled.id, settled)
        for settled in candidates
        if (score := _successor_score(pending, settled, keys)) is not None
    ]
    if not scored:
        return None
    _, _, successor = min(scored, key=lambda item: (item[0], item[1]))
    return successor


def _carry_choice(db: Session, pending: Transaction, successor: Transaction) -> None:
    """Copy the user's category and classification from `pending` to `successor`."""
    if pending.category_source == categories.SOURCE_USER:
        successor.category = pending.category
        successor.category_source = pending.category_source
    if pending.classification_source == classification.SOURCE_USER:
        successor.classification = pending.classification
        successor.classification_source = pending.classification_source
        successor.classification_reason = pending.classification_reason
        _unlink(db, successor)
