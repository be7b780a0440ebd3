"""Pairing: the two halves of a transfer between own accounts or of a card repayment.

Candidate matches are ranked (hints first, then the fewest days apart, then
ids, so the result never depends on input order) and taken greedily, one to
one. A pair the user rejected is never proposed again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from operator import attrgetter

from potwise.domain.classify.hints import (
    is_income_like,
    looks_like_card_payment,
    looks_like_transfer,
    names_issuer,
)
from potwise.domain.classify.model import (
    BANK_KINDS,
    CARD_KIND,
    REPAYMENT_AFTER,
    REPAYMENT_BEFORE,
    SOURCE_USER,
    TRANSFER_WINDOW,
    AccountInfo,
    Classification,
    Context,
    Txn,
    pair_key,
)
from potwise.domain.merchants import merchant_key

# A candidate pair: (-score, gap, out id, in id, kind). Plain tuples sort in rank order
# (best hints first, then the fewest days apart, then ids) with no key function; the
# ids make every edge distinct, so the kind is never compared.
_Edge = tuple[int, timedelta, str, str, Classification]
# Money in of one (currency, amount), in time order, with its times (for bisecting).
_Incoming = dict[tuple[str, int], tuple[list[Txn], list[datetime]]]

# How far before and after a payment out its other half may arrive, either kind.
_BEFORE = max(TRANSFER_WINDOW, REPAYMENT_BEFORE)
_AFTER = max(TRANSFER_WINDOW, REPAYMENT_AFTER)


def pairable(t: Txn, accounts: Mapping[str, AccountInfo]) -> bool:
    """May be half of a pair: not a pot move, not the user's own choice, not declined."""
    return (
        t.pot_external_id is None
        and not (t.classification_source == SOURCE_USER and t.classification is not None)
        and t.status != "declined"
        and t.amount != 0
        and t.account_id in accounts
    )


def _transfer_edge(out: Txn, into: Txn, a: AccountInfo, b: AccountInfo) -> _Edge | None:
    if a.kind not in BANK_KINDS or b.kind not in BANK_KINDS or a.id == b.id:
        return None
    gap = abs(into.created_at - out.created_at)
    if gap > TRANSFER_WINDOW:
        return None
    for side in (out, into):
        if side.merchant is not None or is_income_like(side):
            return None
    hints = looks_like_transfer(out) + looks_like_transfer(into)
    if hints == 0:
        return None
    names = {merchant_key(x) for x in (out.counterparty, into.counterparty) if x}
    score = 2 * hints + (1 if len(names) == 1 else 0)
    return (-score, gap, out.id, into.id, Classification.INTERNAL_TRANSFER)


def _repayment_edge(out: Txn, into: Txn, a: AccountInfo, b: AccountInfo) -> _Edge | None:
    if a.kind not in BANK_KINDS or b.kind != CARD_KIND:
        return None
    delta = into.created_at - out.created_at
    if delta < -REPAYMENT_BEFORE or delta > REPAYMENT_AFTER:
        return None
    if into.merchant is not None:
        return None  # a refund from a shop, not a payment
    names_card = names_issuer(out, b.issuer_names())
    if out.merchant is not None and not names_card:
        return None
    score = (3 if names_card else 0) + (2 if looks_like_card_payment(into) else 0)
    if score == 0:
        return None
    return (-score, abs(delta), out.id, into.id, Classification.CARD_REPAYMENT)


def _incoming(candidates: Sequence[Txn]) -> _Incoming:
    """Money in, by currency and amount, in time order: an outgoing payment only looks
    at those inside its window (regular transfers repeat one amount for years).
    Money in from a merchant (a refund) is never the other half of either kind of pair."""
    found: dict[tuple[str, int], list[Txn]] = defaultdict(list)
    for t in candidates:
        if t.amount > 0 and t.merchant is None:
            found[(t.currency, t.amount)].append(t)
    by_time = attrgetter("created_at", "id")
    incoming: _Incoming = {}
    for key, items in found.items():
        items.sort(key=by_time)
        incoming[key] = (items, [t.created_at for t in items])
    return incoming


def _edges_from(
    out: Txn,
    a: AccountInfo,
    arrivals: tuple[list[Txn], list[datetime]],
    targets: Collection[str] | None,
    context: Context,
) -> list[_Edge]:
    """Every candidate pair of the payment `out` (from account `a`) with money in of
    its amount inside the window."""
    found, moments = arrivals
    accounts, rejected = context.accounts, context.rejected_pairs
    first = bisect_left(moments, out.created_at - _BEFORE)
    last = bisect_right(moments, out.created_at + _AFTER)
    edges: list[_Edge] = []
    for into in found[first:last]:
        if targets is not None and out.id not in targets and into.id not in targets:
            continue
        if rejected and pair_key(out.id, into.id) in rejected:
            continue
        b = accounts[into.account_id]
        if b.kind == CARD_KIND:
            edge = _repayment_edge(out, into, a, b)
        else:
            edge = _transfer_edge(out, into, a, b)
        if edge is not None:
            edges.append(edge)
    return edges


def _one_to_one(edges: list[_Edge]) -> dict[str, tuple[str, Classification]]:
    """The best-ranked edges taken greedily, each transaction in at most one."""
    edges.sort()
    taken: dict[str, tuple[str, Classification]] = {}
    for _, _, out_id, in_id, kind in edges:
        if out_id in taken or in_id in taken:
            continue
        taken[out_id] = (in_id, kind)
        taken[in_id] = (out_id, kind)
    return taken


def pairs(
    candidates: Sequence[Txn],
    targets: frozenset[str] | None,
    context: Context,
) -> dict[str, tuple[str, Classification]]:
    """One-to-one matches: id → (other id, kind), both directions."""
    accounts = context.accounts
    incoming = _incoming(candidates)
    edges: list[_Edge] = []
    for out in candidates:
        if out.amount >= 0:
            continue
        a = accounts[out.account_id]
        if a.kind not in BANK_KINDS:
            continue
        arrivals = incoming.get((out.currency, -out.amount))
        if arrivals:
            edges.extend(_edges_from(out, a, arrivals, targets, context))
    return _one_to_one(edges)
