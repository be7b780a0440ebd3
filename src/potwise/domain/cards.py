"""What is owed on a credit card now, pending charges included: the one definition.

Issuers report a card's debt differently (reference §8), so "owed" is read per
issuer, from a card's posted balance (our signs: negative when owed), its
pending transactions and, for some issuers, its credit limit and available
credit:

* **American Express**: the posted balance leaves pending charges out, so
  owed = posted + pending charges.
* **Barclaycard**: the posted balance already includes pending charges, so
  owed = posted (adding them would count them twice).
* **Halifax / Lloyds / Bank of Scotland**: ``credit_limit - available`` when
  both are known, else the posted balance.
* **Everyone else**: the posted balance.

A pending credit (a refund, a payment) never lowers what is owed until it
posts; declined items and items in another currency never count. A card in
credit owes nothing: the figure is never negative.

This is the card-pot rule's reading (``potwise.domain.rules.cardpot``), which
is the trusted one: everything that shows or uses "owed on a card" asks
:func:`owed_on_card`. (:func:`potwise.domain.signs.owed_from_balance` is the
lower-level sign rule for any balance; it knows nothing of issuers or pending
charges.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Final, Protocol

from potwise.domain.mirror import TransactionStatus

__all__ = [
    "PENDING_IN_OWED",
    "Card",
    "CardFigures",
    "CardIssuer",
    "PendingItem",
    "card_issuer",
    "display_name",
    "owed_on_card",
    "owed_with_pending",
    "pending_parts",
]


class CardIssuer(StrEnum):
    """Issuers whose balances need their own reading (reference §8)."""

    AMEX = "amex"
    BARCLAYCARD = "barclaycard"
    LLOYDS_GROUP = "lloyds_group"
    OTHER = "other"


_AMEX_BRANDS: Final = frozenset({"amex", "american-express", "americanexpress"})
_BARCLAYCARD_BRANDS: Final = frozenset({"barclaycard"})
_LLOYDS_BRANDS: Final = frozenset({"halifax", "lloyds", "bankofscotland", "bank-of-scotland"})
_DISPLAY_NAMES: Final = {
    CardIssuer.AMEX: "Amex",
    CardIssuer.BARCLAYCARD: "Barclaycard",
    CardIssuer.LLOYDS_GROUP: "Card",
    CardIssuer.OTHER: "Card",
}

#: Issuers whose owed figure includes pending charges (Amex adds them to the posted
#: balance, Barclaycard's balance has them already): their pending charges are debt.
PENDING_IN_OWED: Final = frozenset({CardIssuer.AMEX, CardIssuer.BARCLAYCARD})


@lru_cache(maxsize=256)
def card_issuer(provider_id: str) -> CardIssuer:
    """Which issuer a TrueLayer provider id (``ob-amex``, ``uk-ob-barclaycard``) or
    display name (``AMEX``) belongs to; anything unknown is ``OTHER``."""
    brand = provider_id.strip().lower()
    for prefix in ("uk-", "ob-", "oauth-", "cs-"):
        brand = brand.removeprefix(prefix)
    if brand in _AMEX_BRANDS:
        return CardIssuer.AMEX
    if brand in _BARCLAYCARD_BRANDS:
        return CardIssuer.BARCLAYCARD
    if brand in _LLOYDS_BRANDS:
        return CardIssuer.LLOYDS_GROUP
    return CardIssuer.OTHER


def display_name(issuer: CardIssuer) -> str:
    """How a card of `issuer` is called when it has no name of its own."""
    return _DISPLAY_NAMES[issuer]


class PendingItem(Protocol):
    """What is read of a pending transaction: a mirrored one, or a database row."""

    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def status(self) -> str: ...


class CardFigures(Protocol):
    """What :func:`owed_on_card` reads of a card (the card-pot rule's ``CardSnapshot``
    and :class:`Card` both have it). ``balance`` is the posted balance in our signs."""

    @property
    def provider_id(self) -> str: ...
    @property
    def currency(self) -> str: ...
    @property
    def balance(self) -> int: ...
    @property
    def pending(self) -> Iterable[PendingItem]: ...
    @property
    def credit_limit(self) -> int | None: ...
    @property
    def available(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class Card:
    """A card's figures, for a caller with no richer snapshot of it (a bank adapter,
    the dashboard). ``pending`` are the card's pending transactions."""

    provider_id: str
    currency: str
    balance: int
    pending: tuple[PendingItem, ...] = ()
    credit_limit: int | None = None
    available: int | None = None


_DECLINED: Final = TransactionStatus.DECLINED
# Module names for the members the card-pot rule's scan reads on every card.
_AMEX: Final = CardIssuer.AMEX
_LLOYDS: Final = CardIssuer.LLOYDS_GROUP


def pending_parts(pending: Iterable[PendingItem], currency: str) -> tuple[int, int]:
    """(pending charges, pending credits) as positive pence, in `currency` only,
    declined items left out."""
    charges = credits = 0
    for tx in pending:
        if tx.status == _DECLINED or tx.currency != currency:
            continue
        if tx.amount < 0:
            charges -= tx.amount
        else:
            credits += tx.amount
    return charges, credits


def owed_on_card(card: CardFigures) -> int:
    """Pence owed on one card now, pending charges included where the issuer's
    balance leaves them out; never negative (a card in credit owes nothing).

    Amex: posted + pending charges. Barclaycard: posted (pending already in).
    Lloyds group: ``credit_limit - available`` when both are known, else posted.
    Others: posted. Pending credits never lower the figure.
    """
    issuer = card_issuer(card.provider_id)
    charges = pending_parts(card.pending, card.currency)[0] if issuer is _AMEX else 0
    return owed_with_pending(card, issuer, charges)


def owed_with_pending(card: CardFigures, issuer: CardIssuer, pending_charges: int) -> int:
    """:func:`owed_on_card` once the card's issuer and its pending charges (positive
    pence, see :func:`pending_parts`) are known: the card-pot rule sums the charges
    in the scan it makes of the pending items anyway, and asks this."""
    if issuer is _AMEX:
        owed = pending_charges - card.balance
    elif issuer is _LLOYDS and card.credit_limit is not None and card.available is not None:
        owed = card.credit_limit - card.available
    else:
        owed = -card.balance
    return owed if owed > 0 else 0
