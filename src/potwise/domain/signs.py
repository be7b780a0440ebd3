"""The sign convention: every amount is seen from the user's point of view.

Balances
    What the user owns is positive; what they owe is negative. A current
    account with £250 in it is ``+25000``; a credit card on which £120 is
    owed is ``-12000``; an overdrawn account is negative; a credit card
    in credit (the user overpaid) is positive.

Transactions
    Negative when money leaves the user, positive when it arrives. A £3.20
    coffee is ``-320``; salary is positive; a refund is positive; paying
    off a credit card is negative on the current account and positive on
    the card (the debt shrinks towards zero).

Providers have their own conventions (credit-card issuers report debt as
a positive balance, Open Banking sends unsigned amounts with a
``DEBIT``/``CREDIT`` flag). Each bank adapter converts to this convention
once, at its boundary, using the helpers here; nothing past the adapter
ever sees a provider's sign.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from potwise.domain.money import Money

__all__ = [
    "Direction",
    "direction_of",
    "from_issuer_view",
    "owed_from_balance",
    "signed",
]

#: Helpers accept a bare int of minor units or a Money, and return the same kind.
Amount = TypeVar("Amount", int, Money)


class Direction(StrEnum):
    """Which way money moved, from the user's point of view."""

    IN = "in"  # money arrived: positive amount
    OUT = "out"  # money left: negative amount


def _minor(amount: int | Money) -> int:
    if isinstance(amount, Money):
        return amount.minor
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be int minor units or Money, not {type(amount).__name__}")
    return amount


def direction_of(amount: int | Money) -> Direction | None:
    """Return the direction of a user-view transaction amount.

    Negative is ``OUT``, positive is ``IN``. Zero-value transactions exist
    (card verification checks, declined payments) and have no direction:
    the result is None, so callers must decide what to do with them.
    """
    minor = _minor(amount)
    if minor < 0:
        return Direction.OUT
    if minor > 0:
        return Direction.IN
    return None


def signed(magnitude: Amount, direction: Direction) -> Amount:
    """Turn an unsigned provider amount plus a direction into a user-view amount.

    ``signed(320, Direction.OUT) == -320``. The magnitude must not be
    negative: a provider that sends a negative magnitude has a convention
    we have not understood, and guessing would flip money.
    """
    minor = _minor(magnitude)
    if minor < 0:
        raise ValueError(f"magnitude must not be negative, got {minor}")
    return -magnitude if direction is Direction.OUT else magnitude


def from_issuer_view(card_amount: Amount) -> Amount:
    """Convert a credit-card issuer's balance to the user's view.

    Issuers report what the cardholder owes as positive (a statement
    balance of £120 means £120 owed) and a credit as negative. The user's
    view is the opposite: £120 owed is ``-12000``. This is only a
    negation, written as a named function so that every adapter that
    flips a sign says why.
    """
    _minor(card_amount)
    return -card_amount


def owed_from_balance(balance: Amount) -> Amount:
    """Return how much is owed, as a non-negative amount, given a user-view balance.

    A card balance of ``-12000`` means ``12000`` is owed; a balance of
    zero or in credit (positive) means nothing is owed. This is the sign rule
    for a balance alone: what is owed on a credit card (pending charges, each
    issuer's reading) is :func:`potwise.domain.cards.owed_on_card`.
    """
    minor = _minor(balance)
    if isinstance(balance, Money):
        return Money(max(0, -minor), balance.currency)
    return max(0, -minor)
