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
pending charges it counted. A card's spending seen in its transactions is::

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

Unexplained rises
-----------------
A card's balance can rise before the transactions behind it are read: a
refresh of the balance alone, or a purchase that posts without a pending stage
between a balance read and a transactions read. The state remembers what each
card owed when the rule last read it, so such a rise is told from money
leaving the pot: a card that owes more than it did, by more than the spending
seen in its transactions, has an *unexplained rise* of the difference, and it
is new spending too (the safe reading: the pot holds at least what is owed)::

    rise = max(0, owed now - owed before - spending seen)

The rise is remembered as ``covered_ahead``; the transactions behind it, once
they are read, are explained by it and are not new spending a second time
(spending seen first pays off ``covered_ahead``, then counts). A repayment
does not clear it: the purchase behind the rise is still to be read, and
would otherwise count a second time. (A rise no transaction ever explains
stays covered ahead; the only cost is that spending of that size is not
"new" for the cooldown override: the pot is still kept equal to what is owed.)
A card whose owed figure is not remembered (a state stored before it was
kept) has no unexplained rise: the decision then covers the whole shortfall
(see ``situations``). A card that owes less than it did has *fallen*, one of
the two signs (with the pot falling) that a shortfall is a bill paid from the
pot rather than spending.
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

__all__ = ["Reading", "Rise", "View", "read_cards", "remember"]

#: One card's figures for the explanation: its name (None: called after its
#: issuer), issuer, owed, posted balance as owed (negative: in credit), pending
#: charges, pending credits.
View = tuple[str | None, CardIssuer, int, int, int, int]

#: A card's unexplained rise, for the explanation: its name, issuer and the rise.
Rise = tuple[str | None, CardIssuer, int]

#: What reading the cards gives, in this order: the target (what they owe), the new
#: spending (unexplained rises included), each card's figures for the explanation,
#: each card's memory to keep, the unexplained rises, and whether a card fell (owes
#: less than the rule last saw).
Reading = tuple[int, int, tuple[View, ...], dict[str, CardMemory], tuple[Rise, ...], bool]

_DECLINED: Final = TransactionStatus.DECLINED
_NO_RISES: Final[tuple[Rise, ...]] = ()


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
    rises: list[Rise] | None = None
    fell = False
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
            memory = remember(None, listed, counted_pending, horizon, owed, 0)
        else:
            before = memory.owed
            if before is not None and owed < before:
                fell = True
            card_spending, rise, memory = _new_spending(
                card, memory, counted_pending, pending_counts, currency, horizon, owed
            )
            if rise:
                card_spending += rise
                rises = rises or []
                rises.append((card.name, issuer, rise))
        memories[card.account_id] = memory
        spending += card_spending
        views.append((card.name, issuer, owed, -card.balance, charges, credits))
    return (
        target,
        spending,
        tuple(views),
        memories,
        _NO_RISES if rises is None else tuple(rises),
        fell,
    )


def _new_spending(
    card: CardSnapshot,
    memory: CardMemory,
    counted_pending: dict[str, int],
    pending_counts: bool,
    currency: str,
    horizon: datetime,
    owed: int,
) -> tuple[int, int, CardMemory]:
    """The card's new spending since `memory` seen in its transactions, its unexplained
    rise (see the module docs), and its memory now."""
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
    pending_changed = counted_pending != memory.pending_charges
    vanished = _vanished(card, memory, counted_pending) if pending_changed else 0
    seen_spending = unseen - vanished if unseen > vanished else 0
    ahead = memory.covered_ahead
    if ahead and seen_spending:  # the transactions behind a rise covered earlier
        matched = ahead if ahead < seen_spending else seen_spending
        seen_spending -= matched
        ahead -= matched
    before = memory.owed
    rise = 0
    if before is not None and owed - before > seen_spending:
        rise = owed - before - seen_spending
        ahead += rise
    if new_txs or pending_changed or memory.oldest < horizon:
        memory = remember(memory, new_txs, counted_pending, horizon, owed, ahead)
    elif owed != before or ahead != memory.covered_ahead:
        memory = new_memory(memory.seen, memory.pending_charges, memory.oldest, owed, ahead)
    return seen_spending, rise, memory


def _vanished(card: CardSnapshot, memory: CardMemory, counted_pending: dict[str, int]) -> int:
    """The pending charges counted before that are neither pending nor posted now."""
    vanished = 0
    posted_ids: set[str] | None = None
    for tx_id, tx_amount in memory.pending_charges.items():
        if tx_id not in counted_pending:
            if posted_ids is None:
                posted_ids = {tx.external_id for tx in card.posted}
            if tx_id not in posted_ids:
                vanished += tx_amount
    return vanished


def remember(
    prior: CardMemory | None,
    fresh: Iterable[BankTransaction],
    pending_charges: Mapping[str, int],
    horizon: datetime,
    owed: int | None,
    covered_ahead: int,
) -> CardMemory:
    """The prior ids still within the retention window, plus the fresh ones (with what
    the card owes and what of it was covered ahead of its transactions)."""
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
    return new_memory(seen, pending_charges, oldest, owed, covered_ahead)
