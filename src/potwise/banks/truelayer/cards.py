"""How much is owed on a card, per issuer: the reference's card-pot recipe (§8.6).

The reading itself lives in the domain (:func:`potwise.domain.cards.owed_on_card`,
the one definition the card-pot rule also uses): Amex adds pending charges to
its posted balance, Barclaycard's balance already includes them, the Lloyds
group reports `credit_limit - available`, everyone else the posted balance; a
pending credit never lowers what is owed. This adapter takes the
TrueLayer-mapped values (our signs: a card balance is negative when owed) and
asks the domain.
"""

from __future__ import annotations

from collections.abc import Iterable

from potwise.domain import cards
from potwise.domain.mirror import AccountBalance, BankTransaction, TransactionStatus

__all__ = ["owed_on_card"]


def owed_on_card(
    provider_id: str, balance: AccountBalance, pending: Iterable[BankTransaction]
) -> int:
    """Pence the user owes on a card, pending charges included where the issuer's
    balance leaves them out. Never negative: a card in credit owes nothing.

    `provider_id` is TrueLayer's provider id (`ob-amex`, `uk-ob-barclaycard`) or
    its display name (`AMEX`). `pending` are the card's pending transactions
    in our signs; only those still pending and in the balance's currency count.
    """
    return cards.owed_on_card(
        cards.Card(
            provider_id=provider_id,
            currency=balance.currency,
            balance=balance.balance,
            pending=tuple(t for t in pending if t.status is TransactionStatus.PENDING),
            credit_limit=balance.credit_limit,
            available=balance.available,
        )
    )
