"""Card repayments on their way: paid from a bank account, not on the card yet.

A Direct Debit to American Express leaves Monzo on the due date and reaches us
by webhook within seconds; the card shows the credit a working day or more
later, and we read the card only a few times a day. Until the card shows it, the
card's balance overstates what is owed by the repayment, so what is owed is
read *less what is on its way* (``potwise.domain.cards.owed_on_card`` stays
the one definition of owed; this is what its balance does not show yet).

A repayment counts as on its way while

* its credit has not landed on the card (no credit of that amount on the card
  from a day before the payment onwards, and no pairing to one), and
* the card's balance cannot include it: the balance was read before the
  payment, or the card's transactions were read with (or after) the balance, so
  a credit in the balance would be among them.

A balance read after the payment, without its transactions, may already include
the credit: then nothing is taken off (the safe reading: the pot keeps at least
what is owed until the next full read of the card says otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = ["LANDS_WITHIN", "CardCredit", "Repayment", "on_its_way"]

#: A repayment older than this has landed, or will never be matched: it is not counted.
LANDS_WITHIN: Final = timedelta(days=10)
#: A card credit may carry a date a day before the payment that made it.
_EARLY: Final = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Repayment:
    """A payment towards the card seen on a bank account (``amount`` positive pence)."""

    transaction_id: str
    amount: int
    at: datetime
    #: The card credit it was paired with by classification, if any.
    paired_with: str | None = None


@dataclass(frozen=True, slots=True)
class CardCredit:
    """A credit on the card without a merchant: a payment received."""

    transaction_id: str
    amount: int
    at: datetime


def on_its_way(
    repayments: Iterable[Repayment],
    credits: Sequence[CardCredit],
    *,
    balance_at: datetime | None,
    transactions_at: datetime | None,
    now: datetime,
) -> tuple[Repayment, ...]:
    """The repayments the card's balance does not show yet (see the module docs)."""
    if balance_at is None:
        return ()
    complete = transactions_at is not None and transactions_at >= balance_at
    used: set[str] = set()
    found: list[Repayment] = []
    for repayment in sorted(repayments, key=lambda r: (r.at, r.transaction_id)):
        if now - repayment.at > LANDS_WITHIN:
            continue
        if _landed(repayment, credits, used):
            continue
        if balance_at < repayment.at or complete:
            found.append(repayment)
    return tuple(found)


def _landed(repayment: Repayment, credits: Sequence[CardCredit], used: set[str]) -> bool:
    """Its credit is on the card: paired by classification, or a credit of the same
    amount from a day before the payment onwards (each credit lands one payment)."""
    ids = {credit.transaction_id for credit in credits}
    if repayment.paired_with is not None and repayment.paired_with in ids:
        used.add(repayment.paired_with)
        return True
    for credit in credits:
        if (
            credit.transaction_id not in used
            and credit.amount == repayment.amount
            and credit.at >= repayment.at - _EARLY
        ):
            used.add(credit.transaction_id)
            return True
    return False
