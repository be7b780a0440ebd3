"""Reading the rule's cards: what they owe (the pot's target) and what is new spending.

Target
------
What is owed over the rule's cards, each read by
:func:`potwise.domain.cards.owed_on_card` and floored at zero on its own: a
card in credit cannot pay another card's bill.

New spending
------------
New spending is read from the cards' transactions, not from balance moves, so
a purchase and a payment landing in the same poll are told apart. The state
remembers every transaction id it has seen (for ``SEEN_RETENTION``) and, for
issuers whose owed figure includes pending charges (Amex, Barclaycard), the
pending charges it counted. A card's new spending is::

    max(0, unseen charges - counted pending charges that vanished)

where a vanished pending charge is one no longer listed as pending nor posted
under the same id. A pending charge that posts under a new id (possibly for a
slightly different amount, e.g. a tip) therefore nets out, and is not counted
twice; a cancelled authorisation nets out too. Pending charges of other
issuers are not counted (their owed figure leaves them out) and not marked
seen, so they count once, when they post. Transactions created more than
``SEEN_RETENTION`` before ``now`` are never new. On the rule's first run
nothing is new (everything is in the target already); a card added to an
existing rule brings all it owes as new spending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final

from potwise.domain.cards import PENDING_IN_OWED, CardIssuer, card_issuer, owed_with_pending
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.rules.cardpot.fast import new_memory
from potwise.domain.rules.cardpot.inputs import CardSnapshot
from potwise.domain.rules.cardpot.state import NEVER, CardMemory, CardPotState

__all__ = ["Reading", "View", "read_cards", "remember"]

#: One card's figures for the explanation: its name (None: called after its
#: issuer), issuer, owed, posted balance as owed (negative: in credit), pending
#: charges, pending credits.
View = tuple[str | None, CardIssuer, int, int, int, int]

#: What reading the cards gives, in this order: the target (what they owe), the new
#: spending, each card's figures for the explanation, and each card's memory to keep.
Reading = tuple[int, int, tuple[View, ...], dict[str, CardMemory]]

_DECLINED: Final = TransactionStatus.DECLINED


def read_cards(
    cards: Sequence[CardSnapshot], currency: str, state: CardPotState | None, horizon: datetime
) -> Reading:
    """What `cards` owe and what of it is new spending since `state` (see the module
    docs); `horizon` is ``now - SEEN_RETENTION``."""
    remembered = None if state is None else state.cards
    views: list[View] = []
    memories: dict[str, CardMemory] = {}
    target = 0
    spending = 0
    for card in cards:
        issuer = card_issuer(card.provider_id)
        pending_counts = issuer in PENDING_IN_OWED
        # Pending charges and credits (card currency, not declined); the charges
        # are also remembered by id for issuers whose owed figure includes them.
        charges = credits = 0
        counted_pending: dict[str, int] = {}
        for tx in card.pending:
            if tx.status == _DECLINED or tx.currency != currency:
                continue
            tx_amount = tx.amount
            if tx_amount < 0:
                charges -= tx_amount
                if pending_counts:
                    counted_pending[tx.external_id] = -tx_amount
            else:
                credits += tx_amount
        owed = owed_with_pending(card, issuer, charges)
        target += owed
        memory = None if remembered is None else remembered.get(card.account_id)
        if memory is None:
            # First run: everything is in the target already. A card added to
            # an existing rule: all it owes is new to the pot.
            card_spending = 0 if state is None else owed
            listed = card.posted + card.pending if pending_counts else card.posted
            memory = remember(None, listed, counted_pending, horizon)
        else:
            card_spending, memory = _new_spending(
                card, memory, counted_pending, pending_counts, currency, horizon
            )
        memories[card.account_id] = memory
        spending += card_spending
        views.append((card.name, issuer, owed, -card.balance, charges, credits))
    return target, spending, tuple(views), memories


def _new_spending(
    card: CardSnapshot,
    memory: CardMemory,
    counted_pending: dict[str, int],
    pending_counts: bool,
    currency: str,
    horizon: datetime,
) -> tuple[int, CardMemory]:
    """The card's new spending since `memory` (see the module docs), and its memory now."""
    prior = memory.seen
    new_txs = [tx for tx in card.posted if tx.external_id not in prior]
    if pending_counts:
        new_txs += [tx for tx in card.pending if tx.external_id not in prior]
    unseen = 0
    for tx in new_txs:
        if (
            tx.amount < 0
            and tx.created_at >= horizon
            and tx.status != _DECLINED
            and tx.currency == currency
        ):
            unseen -= tx.amount
    vanished = 0
    pending_changed = counted_pending != memory.pending_charges
    if pending_changed:
        posted_ids: set[str] | None = None
        for tx_id, tx_amount in memory.pending_charges.items():
            if tx_id not in counted_pending:
                if posted_ids is None:
                    posted_ids = {tx.external_id for tx in card.posted}
                if tx_id not in posted_ids:
                    vanished += tx_amount
    if new_txs or pending_changed or memory.oldest < horizon:
        memory = remember(memory, new_txs, counted_pending, horizon)
    return (unseen - vanished if unseen > vanished else 0), memory


def remember(
    prior: CardMemory | None,
    fresh: Iterable[BankTransaction],
    pending_charges: Mapping[str, int],
    horizon: datetime,
) -> CardMemory:
    """The prior ids still within the retention window, plus the fresh ones."""
    if prior is None:
        seen: dict[str, datetime] = {}
        oldest = NEVER
    elif prior.oldest is not NEVER and prior.oldest >= horizon:
        seen = dict(prior.seen)  # nothing has expired: no need to look at each time
        oldest = prior.oldest
    else:
        seen = {k: v for k, v in prior.seen.items() if v >= horizon}
        oldest = min(seen.values(), default=NEVER)
    replaced = False
    for tx in fresh:
        at = tx.created_at
        if at >= horizon:
            tx_id = tx.external_id
            if tx_id in seen:
                replaced = True
            seen[tx_id] = at
            oldest = min(oldest, at)
    if replaced:  # an id listed twice: its earlier time may be gone
        oldest = min(seen.values(), default=NEVER)
    return new_memory(seen, pending_charges, oldest)
