"""The user's own rows that the cash-flow pages show as they are: the accounts and pots
the planned page's forms offer, the transactions a commitment was found from, and a
commitment just made from a transaction. Every lookup is scoped to the user."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from potwise.db.models import Account, Commitment, Pot, Transaction
from potwise.db.scoping import get_owned, owned
from potwise.services.cashflow.commitments import CommitmentView
from potwise.services.cashflow.plans import SPENDING_KINDS


def spending_accounts(db: Session, user_id: str) -> list[Account]:
    """Open current and joint accounts: where a card repayment can be paid from."""
    return list(
        db.scalars(
            owned(Account, user_id).where(
                Account.kind.in_(SPENDING_KINDS), Account.closed.is_(False)
            )
        )
    )


def live_pots(db: Session, user_id: str) -> list[Pot]:
    """Pots not deleted at the bank, by name: those safe to spend may count as cash."""
    return list(
        db.scalars(owned(Pot, user_id).where(Pot.deleted.is_(False)).order_by(Pot.name, Pot.id))
    )


def evidence(db: Session, user_id: str, views: Iterable[CommitmentView]) -> dict[str, Transaction]:
    """The transactions these commitments were found from, by id."""
    wanted = {transaction_id for view in views for transaction_id in view.evidence}
    if not wanted:
        return {}
    rows = db.scalars(owned(Transaction, user_id).where(Transaction.id.in_(wanted)))
    return {t.id: t for t in rows}


def own_commitment(db: Session, user_id: str, commitment_id: str) -> Commitment | None:
    """The user's commitment with this id, or None (also for anyone else's)."""
    if not commitment_id:
        return None
    return get_owned(db, Commitment, commitment_id, user_id)
