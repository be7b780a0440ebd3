"""What the user's credit cards owe now, as every screen and the card-pot rule count it:
the mirrored balance with the pending charges the issuer leaves out of it
(:func:`potwise.domain.cards.owed_on_card`, the one definition)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from potwise import clock
from potwise.db.models import Account, Transaction
from potwise.domain.cards import Card, PendingItem, owed_on_card
from potwise.domain.classify.issuers import ISSUER_TEXT, issuer_names
from potwise.domain.mirror import AccountKind, TransactionStatus
from potwise.domain.repayments import LANDS_WITHIN, CardCredit, Repayment, on_its_way
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
    included where the issuer's balance leaves them out, and repayments on their way
    to the card (seen leaving a bank account, not on the card yet) taken off."""
    moment = now or clock.now()
    pending = pending_on_cards(db, cards, moment)
    known = [card for card in cards if card.balance is not None]
    repaying = repayments_on_their_way(db, known, moment)
    return {
        card.id: owed_on_card(
            card_figures(
                card,
                tuple(pending.get(card.id, ())),
                sum(r.amount for r in repaying.get(card.id, ())),
            )
        )
        for card in known
    }


def card_figures(card: Account, pending: tuple[PendingItem, ...], repaying: int) -> Card:
    """A mirrored card's figures for :func:`owed_on_card`, with `repaying` pence on
    their way to it counted as if the card showed them (its balance and available
    credit that much higher)."""
    return Card(
        provider_id=card.provider,
        currency=card.currency,
        balance=(card.balance or 0) + repaying,
        pending=pending,
        credit_limit=card.credit_limit,
        available=card.available + repaying if card.available is not None else None,
    )


def repayments_on_their_way(
    db: Session, cards: Sequence[Account], now: datetime
) -> dict[str, tuple[Repayment, ...]]:
    """By card id: repayments seen leaving a bank account that the card's balance does
    not show yet (:func:`potwise.domain.repayments.on_its_way`). A payment is the
    card's when classification paired it with a credit on the card, or when its text
    names the card's issuer and no other of the user's cards has that issuer."""
    if not cards:
        return {}
    since = now - LANDS_WITHIN - timedelta(days=1)
    user_ids = {card.user_id for card in cards}
    paid = _repayments_from_banks(db, user_ids, since)
    credits = _card_credits(db, [card.id for card in cards], since)
    owners = _owners_by_issuer(cards)
    by_card: dict[str, list[Repayment]] = {card.id: [] for card in cards}
    for row, linked_card in paid:
        card_id = linked_card or _issuer_card(row, owners)
        if card_id in by_card:
            linked = row.linked_transaction_id
            by_card[card_id].append(Repayment(row.id, -row.amount, row.created_at, linked))
    return {
        card.id: on_its_way(
            by_card[card.id],
            credits.get(card.id, []),
            balance_at=card.balance_at,
            transactions_at=card.synced_until,
            now=now,
        )
        for card in cards
    }


def _repayments_from_banks(
    db: Session, user_ids: set[str], since: datetime
) -> list[tuple[Transaction, str | None]]:
    """Card repayments leaving the users' bank accounts since `since`, with the card
    of the credit each was paired with (None when unpaired)."""
    linked = aliased(Transaction)
    rows = db.execute(
        select(Transaction, linked.account_id)
        .join(Account, Account.id == Transaction.account_id)
        .outerjoin(linked, linked.id == Transaction.linked_transaction_id)
        .where(
            Transaction.user_id.in_(user_ids),
            Account.kind != AccountKind.CREDIT_CARD,
            Transaction.classification == "card_repayment",
            Transaction.amount < 0,
            Transaction.status != TransactionStatus.DECLINED,
            Transaction.created_at >= since,
        )
    )
    return [(row, card_id) for row, card_id in rows]


def _card_credits(db: Session, card_ids: list[str], since: datetime) -> dict[str, list[CardCredit]]:
    """Payments received on the cards since `since` (credits without a merchant)."""
    found: dict[str, list[CardCredit]] = {}
    rows = db.scalars(
        select(Transaction).where(
            Transaction.account_id.in_(card_ids),
            Transaction.amount > 0,
            Transaction.merchant.is_(None),
            Transaction.status != TransactionStatus.DECLINED,
            Transaction.created_at >= since,
        )
    )
    for row in rows:
        found.setdefault(row.account_id, []).append(CardCredit(row.id, row.amount, row.created_at))
    return found


def _owners_by_issuer(cards: Sequence[Account]) -> dict[str, str | None]:
    """Each issuer name a statement may use → the one card it names (None: several)."""
    owners: dict[str, str | None] = {}
    for card in cards:
        for name in issuer_names(card.provider):
            owners[name] = card.id if name not in owners else None
    return owners


def _issuer_card(row: Transaction, owners: dict[str, str | None]) -> str | None:
    text = " ".join(x for x in (row.description, row.counterparty or "", row.merchant or "") if x)
    named = ISSUER_TEXT.search(text.lower())
    return owners.get(named.group(1)) if named else None
