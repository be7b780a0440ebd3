"""Matched pairs as the user sees them, and "these two are not a pair"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from potwise.db.models import Transaction
from potwise.db.scoping import owned
from potwise.domain import classify as domain
from potwise.logs import get_logger
from potwise.services.errors import InvalidInput
from potwise.services.insight import classify as service
from potwise.services.insight.choices.effects import remember, spending_moved
from potwise.services.insight.choices.inputs import owned_transaction

log = get_logger(__name__)


@dataclass(frozen=True)
class Pair:
    kind: str
    out: Transaction
    into: Transaction


def list_pairs(
    db: Session, user_id: str, *, limit: int = 100, until: datetime | None = None
) -> list[Pair]:
    """Matched pairs (own transfers and card repayments), newest first, by their money-out side."""
    statement = (
        owned(Transaction, user_id)
        .where(
            Transaction.linked_transaction_id.is_not(None),
            Transaction.amount < 0,
            Transaction.classification.in_(
                (domain.Classification.INTERNAL_TRANSFER, domain.Classification.CARD_REPAYMENT)
            ),
        )
        .order_by(Transaction.created_at.desc(), Transaction.id)
        .limit(limit)
    )
    if until is not None:
        statement = statement.where(Transaction.created_at < until)
    outs = list(db.scalars(statement))
    partner_ids = [t.linked_transaction_id for t in outs if t.linked_transaction_id]
    found = db.scalars(owned(Transaction, user_id).where(Transaction.id.in_(partner_ids)))
    partners = {p.id: p for p in found}
    return [
        Pair(t.classification or "", t, partners[t.linked_transaction_id])
        for t in outs
        if t.linked_transaction_id in partners
    ]


def reject_pair(
    db: Session, user_id: str, transaction_id: str, *, fallback_timezone: str
) -> tuple[Transaction, Transaction]:
    """ "These two are not a pair": unlink both, decide both again, never pair them again."""
    t = owned_transaction(db, user_id, transaction_id)
    if t.linked_transaction_id is None:
        raise InvalidInput("This transaction is not matched with another one.")
    partner = owned_transaction(db, user_id, t.linked_transaction_id)
    a, b = domain.pair_key(t.id, partner.id)
    remember(db, user_id, service.DISMISS_PAIR, f"{a}:{b}")
    for side in (t, partner):
        side.linked_transaction_id = None
        if side.classification_source != domain.SOURCE_USER:
            side.classification = None
    db.flush()
    service.classify_changed(db, user_id, transaction_ids={t.id, partner.id})
    db.commit()
    spending_moved(db, user_id, fallback_timezone)
    db.refresh(t)
    db.refresh(partner)
    log.info("insight.pair_rejected", user_id=user_id, transaction_ids=[a, b])
    return t, partner
