"""Deciding: every transaction's classification, category and the reason people read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

from potwise.domain import categories
from potwise.domain.classify.categorise import choose_category
from potwise.domain.classify.hints import facts, looks_like_card_payment
from potwise.domain.classify.model import (
    BANK_KINDS,
    CARD_KIND,
    SOURCE_AUTO,
    SOURCE_USER,
    AccountInfo,
    Classification,
    Context,
    Outcome,
    Txn,
)
from potwise.domain.classify.pairing import pairable, pairs
from potwise.domain.merchants import merchant_key, merchant_key_for
from potwise.domain.money import Money

_POT_MOVE = Classification.POT_MOVE.value
_CARD_REPAYMENT = Classification.CARD_REPAYMENT.value
_SPENDING = Classification.SPENDING.value
_INCOME = Classification.INCOME.value

_Pairs = Mapping[str, tuple[str, Classification]]


@lru_cache(maxsize=4096)
def _money(amount: int, currency: str) -> str:
    return Money(abs(amount), currency).format()


def _days_apart(a: datetime, b: datetime) -> str:
    days = abs((b.date() - a.date()).days)
    if days == 0:
        return "same day"
    return "1 day apart" if days == 1 else f"{days} days apart"


def _pair_reason(t: Txn, other: Txn, kind: Classification, context: Context) -> str:
    other_account = context.accounts[other.account_id]
    amount = _money(t.amount, t.currency)
    apart = _days_apart(t.created_at, other.created_at)
    if kind is Classification.CARD_REPAYMENT:
        if t.amount < 0:
            return f"Card repayment — matched {amount} credit on {other_account.label}, {apart}"
        return f"Card repayment — matched {amount} paid from {other_account.label}, {apart}"
    direction = "into" if t.amount < 0 else "from"
    return (
        f"Transfer between your accounts — matched {amount} {direction} "
        f"{other_account.label}, {apart}"
    )


# --- a transaction on its own -------------------------------------------------------


def _pot_move(t: Txn, context: Context) -> tuple[str, str]:
    """Money between a Monzo account and one of its pots (Monzo names the pot)."""
    pot = context.pot_names.get(t.pot_external_id or "")
    where = f"your {pot} pot" if pot else "a Monzo pot"
    return _POT_MOVE, f"Pot move — {'into' if t.amount < 0 else 'out of'} {where}"


def _unmatched_repayment(t: Txn, account: AccountInfo | None) -> tuple[str, str] | None:
    """A card repayment whose other half is not here: a payment-like credit on a card,
    or a debit from a bank account naming a card issuer."""
    if account is None:
        return None
    if account.kind == CARD_KIND and t.amount > 0 and looks_like_card_payment(t):
        return (
            _CARD_REPAYMENT,
            "Card repayment — a payment received on the card; the account it came from "
            "is not connected or its side has not arrived yet",
        )
    if account.kind in BANK_KINDS and t.amount < 0:
        issuer = facts(t)[3]
        if issuer is not None and (t.merchant is None or merchant_key(t.merchant) == issuer):
            return (
                _CARD_REPAYMENT,
                f"Card repayment — a payment to {issuer.title()}; no matching credit on a "
                "connected card (yet)",
            )
    return None


def _money_in(t: Txn) -> tuple[str, str]:
    """A refund (money back from a merchant) is spending too, reversed; else income."""
    if t.merchant is not None:
        shop = t.merchant or t.description
        return _SPENDING, f"Refund from {shop} — reduces spending in its category"
    return _INCOME, "Money in"


def _single(t: Txn, context: Context) -> tuple[str, str]:
    """Classification (its value) of a transaction that is not part of a pair, and why."""
    if t.pot_external_id is not None:
        return _pot_move(t, context)
    repayment = _unmatched_repayment(t, context.accounts.get(t.account_id))
    if repayment is not None:
        return repayment
    if t.amount > 0:
        return _money_in(t)
    return _SPENDING, f"Payment to {t.merchant}" if t.merchant else "Money out"


# --- every transaction ---------------------------------------------------------------


def _with_partners(targets: frozenset[str], by_id: Mapping[str, Txn]) -> frozenset[str]:
    """The targets and their current partners (unless the user classified the target)."""
    grown = set(targets)
    for tid in targets:
        t = by_id.get(tid)
        if t is not None and t.linked_id is not None and not t.user_classified:
            grown.add(t.linked_id)
    return frozenset(grown & by_id.keys())


def _candidates(
    transactions: Sequence[Txn],
    targets: frozenset[str] | None,
    by_id: Mapping[str, Txn],
    context: Context,
) -> list[Txn]:
    """The transactions that may be half of a new pair: outside the targets, only those
    not paired already (or whose partner is not here)."""
    accounts = context.accounts
    if targets is None:
        return [t for t in transactions if pairable(t, accounts)]

    def free(t: Txn) -> bool:
        if t.id in targets:
            return True
        return t.linked_id is None or t.linked_id not in by_id

    return [t for t in transactions if free(t) and pairable(t, accounts)]


def _decide_each(
    decide: Sequence[Txn],
    matched: _Pairs,
    by_id: Mapping[str, Txn],
    context: Context,
    rules: Sequence[categories.Rule],
) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    # This loop runs once per transaction: transaction_key(t) and Txn.user_classified
    # are written out inline.
    for t in decide:
        key = (
            None
            if t.pot_external_id is not None
            else merchant_key_for(t.merchant, t.counterparty, t.description)
        )
        if t.classification_source == SOURCE_USER and t.classification is not None:
            classification: str = t.classification
            reason = t.classification_reason or "You chose this classification"
            linked = t.linked_id
            source = SOURCE_USER
        elif t.id in matched:
            other_id, kind = matched[t.id]
            classification = kind.value
            reason = _pair_reason(t, by_id[other_id], kind, context)
            linked = other_id
            source = SOURCE_AUTO
        else:
            classification, reason = _single(t, context)
            linked = None
            source = SOURCE_AUTO
        category, category_source = choose_category(t, key, classification, context, rules)
        outcomes[t.id] = Outcome(
            key, category, category_source, classification, source, reason, linked
        )
    return outcomes


def classify(
    transactions: Sequence[Txn],
    context: Context,
    *,
    targets: frozenset[str] | None = None,
) -> dict[str, Outcome]:
    """Decide every target transaction (all of them when `targets` is None).

    The other transactions given are context: ones not yet paired (and not
    the user's own choice) may become the other half of a target's pair,
    and are then decided again and returned too. A target's current
    partner is always decided again with it.
    """
    by_id = {t.id: t for t in transactions}
    if targets is not None:
        targets = _with_partners(targets, by_id)
    matched = pairs(_candidates(transactions, targets, by_id, context), targets, context)
    if targets is None:
        decide: Sequence[Txn] = transactions
    else:
        decide = [t for t in transactions if t.id in targets or t.id in matched]
    return _decide_each(decide, matched, by_id, context, categories.ordered(context.rules))
