"""How much is owed on a card, per issuer: the reference's card-pot recipe (§8.6).

Issuers disagree on whether a card's balance already includes charges that
are still pending, so "what the user owes right now" depends on who issued
the card:

- American Express: `current` excludes pending charges. Owed = posted
  balance + the sum of pending *charges*. Pending payments and refunds are
  ignored: the reference marks it uncertain whether they should lower the
  figure (§13), and the tools it studied ignore them, so we take that safe
  reading: a pending credit never lowers what is owed.
- Barclaycard: `current` already includes pending charges; adding them again
  would count them twice. Owed = posted balance.
- Halifax / Lloyds group: no separate pending list; `available` accounts for
  pending, so owed = `credit_limit - available` when both are known.
- Anyone else: the posted balance.

Inputs are the mapped domain values (our signs: a card balance is negative
when owed, a pending charge is negative), already in exact pence, so the
recipe's "round up to the penny" has nothing left to do.
"""

from __future__ import annotations

from collections.abc import Iterable

from potwise.banks.truelayer.mapping import AMEX_BRANDS, provider_brand
from potwise.domain.mirror import AccountBalance, BankTransaction, TransactionStatus
from potwise.domain.signs import owed_from_balance

__all__ = ["owed_on_card"]

_BARCLAYCARD = frozenset({"barclaycard"})
# The reference documents Halifax (§8.3, "Halifax / Lloyds group cards").
_LLOYDS_GROUP = frozenset({"halifax", "lloyds", "bankofscotland", "bank-of-scotland"})


def owed_on_card(
    provider_id: str, balance: AccountBalance, pending: Iterable[BankTransaction]
) -> int:
    """Pence the user owes on a card, pending charges included where the issuer's
    balance leaves them out. Never negative: a card in credit owes nothing.

    `provider_id` is TrueLayer's provider id (`ob-amex`, `uk-ob-barclaycard`) or
    its display name (`AMEX`). `pending` are the card's pending transactions
    in our signs; only those in the balance's currency count.
    """
    brand = provider_brand(provider_id)
    posted = -balance.balance  # our view: owed is negative

    if brand in AMEX_BRANDS:
        charges = sum(
            -item.amount
            for item in pending
            if item.status is TransactionStatus.PENDING
            and item.currency == balance.currency
            and item.amount < 0
        )
        return max(0, posted + charges)

    if (
        brand in _LLOYDS_GROUP
        and balance.credit_limit is not None
        and balance.available is not None
    ):
        return max(0, balance.credit_limit - balance.available)

    # Barclaycard (pending already in `current`) and everyone else.
    return owed_from_balance(balance.balance)
