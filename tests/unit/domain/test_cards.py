"""What is owed on a card: one reading per issuer, pending charges included where the
issuer's balance leaves them out (the card-pot rule's reading, used everywhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from potwise.domain.cards import (
    Card,
    CardIssuer,
    card_issuer,
    owed_on_card,
    owed_with_pending,
    pending_parts,
)
from potwise.domain.mirror import BankTransaction, TransactionStatus

AT = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def pending(
    *amounts: int, currency: str = "GBP", declined: bool = False
) -> tuple[BankTransaction, ...]:
    """Pending card items in our signs: charges negative, refunds and payments positive."""
    status = TransactionStatus.DECLINED if declined else TransactionStatus.PENDING
    return tuple(
        BankTransaction(
            external_id=f"p{index}",
            account_external_id="card-1",
            created_at=AT,
            amount=amount,
            currency=currency,
            status=status,
            description="PENDING",
        )
        for index, amount in enumerate(amounts)
    )


@dataclass(frozen=True)
class Row:
    """A pending item as the database holds it: the status is a plain string."""

    amount: int
    currency: str = "GBP"
    status: str = "pending"


TABLE = {
    "amex counts its pending charges": (
        Card("ob-amex", "GBP", -50000, pending(-1899, -500)),
        52399,
    ),
    "amex with no posted balance owes its pending charges": (
        Card("ob-amex", "GBP", 0, pending(-1899)),
        1899,
    ),
    "amex pending refunds and payments never lower it": (
        Card("ob-amex", "GBP", -10000, pending(-1832, 4000, 61108)),
        11832,
    ),
    "amex pending in another currency is left out": (
        Card("ob-amex", "GBP", -10000, pending(-2500, currency="USD")),
        10000,
    ),
    "amex declined pending is left out": (
        Card("ob-amex", "GBP", -10000, pending(-2500, declined=True)),
        10000,
    ),
    "barclaycard's balance has its pending already": (
        Card("uk-ob-barclaycard", "GBP", -50000, pending(-1500, 2000)),
        50000,
    ),
    "halifax reads credit limit minus available": (
        Card("uk-ob-halifax", "GBP", -40000, (), credit_limit=100000, available=55000),
        45000,
    ),
    "halifax without its available reads the posted balance": (
        Card("ob-halifax", "GBP", -40000, (), credit_limit=100000),
        40000,
    ),
    "other issuers read the posted balance": (
        Card("ob-natwest", "GBP", -12345, pending(-999)),
        12345,
    ),
    "a card in credit owes nothing": (Card("uk-ob-barclaycard", "GBP", 2500), 0),
    "an amex in credit owes nothing, pending charges or not": (
        Card("ob-amex", "GBP", 1000, pending(-500)),
        0,
    ),
    "a card with no balance owes nothing": (Card("ob-amex", "GBP", 0), 0),
    "database rows count as pending items": (
        Card("ob-amex", "GBP", -10000, (Row(-700), Row(-300, status="declined"), Row(900))),
        10700,
    ),
}


@pytest.mark.parametrize("name", list(TABLE))
def test_owed_on_card(name: str) -> None:
    card, owed = TABLE[name]
    assert owed_on_card(card) == owed


@pytest.mark.parametrize(
    ("provider", "issuer"),
    [
        ("ob-amex", CardIssuer.AMEX),
        ("AMEX", CardIssuer.AMEX),
        ("uk-ob-barclaycard", CardIssuer.BARCLAYCARD),
        ("ob-bankofscotland", CardIssuer.LLOYDS_GROUP),
        ("ob-monzo", CardIssuer.OTHER),
    ],
)
def test_card_issuer(provider: str, issuer: CardIssuer) -> None:
    assert card_issuer(provider) is issuer


def test_pending_parts_splits_charges_from_credits() -> None:
    items = (*pending(-1899, -500, 2000), *pending(-700, currency="EUR"))
    assert pending_parts(items, "GBP") == (2399, 2000)


def test_owed_with_pending_is_owed_on_card_once_the_charges_are_summed() -> None:
    card = Card("ob-amex", "GBP", -50000, pending(-1899, 300))
    charges, _ = pending_parts(card.pending, card.currency)
    assert owed_with_pending(card, CardIssuer.AMEX, charges) == owed_on_card(card) == 51899
