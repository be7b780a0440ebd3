"""What the user's credit cards owe now, as every screen and the card-pot rule count it:
the mirrored balance with the pending charges the issuer leaves out of it
(:func:`potwise.domain.cards.owed_on_card`, the one definition)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Account, Transaction
from potwise.domain.cards import Card, owed_on_card
from potwise.domain.mirror import TransactionStatus
from potwise.domain.rules.cardpot import SEEN_RETENTION


def pending_on_cards(
    db: Session, cards: Sequence[Account], now: datetime | None = None
) -> dict[str, list[Transaction]]:
    """The cards' pending transactions by card id, as the card-pot rule reads them:
    those created within what it remembers (``SEEN_RETENTION``) before `now`."""
    if not cards:
        return {}
    since = (now or clock.now()) - SEEN_RETENTION
    found: dict[str, list[Transaction]] = {card.id: [] for card in cards}
    rows = db.scalars(
        select(Transaction).where(
            Transaction.account_id.in_(list(found)),
            Transaction.status == TransactionStatus.PENDING,
            Transaction.created_at >= since,
        )
    )
    for row in rows:
        found[row.account_id].append(row)
    return found


def owed_now(db: Session, cards: Sequence[Account], now: datetime | None = None) -> dict[str, int]:
    """Pence owed on each card with a known balance, by card id, pending charges
    included where the issuer's balance leaves them out."""
    pending = pending_on_cards(db, cards, now)
    return {
        card.id: owed_on_card(
            Card(
                provider_id=card.provider,
                currency=card.currency,
                balance=card.balance,
                pending=tuple(pending.get(card.id, ())),
                credit_limit=card.credit_limit,
                available=card.available,
            )
        )
        for card in cards
        if card.balance is not None
    }
