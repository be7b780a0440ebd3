"""Transaction classification: what each transaction is, which category, and why.

Every transaction gets one `Classification`:

- ``pot_move``: money between a Monzo account and one of its pots (Monzo
  marks these with the pot's id).
- ``card_repayment``: paying off a credit card. A debit on a bank account
  is matched to a credit of the same amount on one of the user's cards,
  arriving from a day before to seven days after; the match needs a hint
  (the debit names the card's issuer, or the credit reads like a payment:
  "PAYMENT RECEIVED - THANK YOU"). Unmatched, a payment-like credit on a
  card, or a debit naming a card issuer, is still a card repayment (the
  other side is at a bank that is not connected, or has not arrived yet).
- ``internal_transfer``: money between two of the user's own accounts (at
  the same bank or different banks, joint-account contributions from the
  user's own account included): opposite amounts in the same currency on
  two different non-card accounts, at most four days apart, neither side a
  card payment at a merchant or income such as salary, and at least one
  side reading like a transfer (the provider calls it a transfer or
  standing order, or the text says "savings", "top up", "joint"...).
- ``spending``: money out otherwise. A **refund** (money back from a
  merchant) is spending too, reversed: positive, in the purchase's category.
- ``income``: money in otherwise.

Pairs are one-to-one: candidate matches are ranked (hints first, then the
fewest days apart, then ids, so the result never depends on input order)
and taken greedily. A pair the user rejected is never proposed again.
Each match records a reason people can read ("Card repayment — matched
£250.00 credit on Gold Card (Amex), 1 day apart") and the id of its other
half.

The user's own choices always win: a classification or a category the
user set is kept as it is, and such a transaction is never paired
automatically.

Categories: see `potwise.domain.categories`. Learned suggestions: see
`suggest`.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from potwise.domain import categories
from potwise.domain.merchants import merchant_key, merchant_key_for
from potwise.domain.money import Money


class Classification(StrEnum):
    SPENDING = "spending"
    INCOME = "income"
    INTERNAL_TRANSFER = "internal_transfer"
    CARD_REPAYMENT = "card_repayment"
    POT_MOVE = "pot_move"


CLASSIFICATIONS: tuple[str, ...] = tuple(c.value for c in Classification)
#: Classifications that move money between the user's own pockets: never spending or income.
INTERNAL: frozenset[str] = frozenset(
    {Classification.INTERNAL_TRANSFER, Classification.CARD_REPAYMENT, Classification.POT_MOVE}
)

SOURCE_AUTO = "auto"
SOURCE_USER = "user"

TRANSFER_WINDOW = timedelta(days=4)
REPAYMENT_BEFORE = timedelta(days=1)
REPAYMENT_AFTER = timedelta(days=7)
#: How far around a changed transaction its partner may be (the widest window above).
PAIRING_WINDOW = REPAYMENT_AFTER + REPAYMENT_BEFORE

BANK_KINDS = frozenset({"current", "joint", "savings"})
CARD_KIND = "credit_card"

_TRANSFER_WORDS = re.compile(
    r"\b(transfer|trf|savings?|top ?up|joint|own account|to self|from self|moving money|isa|"
    r"standing order)\b",
    re.IGNORECASE,
)
_PAYMENT_WORDS = re.compile(
    r"\b(payment|paid|thank you|direct debit|repayment|received)\b", re.IGNORECASE
)
_TRANSFER_CODES = frozenset(
    {"TRANSFER", "STANDING_ORDER", "SO", "FPI", "FPO", "TFR", "BGC", "transfers", "savings"}
)
_INCOME_CATEGORIES = frozenset({"income"})
# Card issuers people pay from a bank account, by how a statement names them.
_ISSUERS: dict[str, tuple[str, ...]] = {
    "amex": ("american express", "amex"),
    "americanexpress": ("american express", "amex"),
    "american-express": ("american express", "amex"),
    "barclaycard": ("barclaycard",),
    "capitalone": ("capital one",),
    "capital-one": ("capital one",),
    "mbna": ("mbna",),
    "vanquis": ("vanquis",),
    "aqua": ("aqua card", "aqua"),
    "newday": ("newday",),
    "hsbc": ("hsbc credit card", "hsbc card"),
    "lloyds": ("lloyds credit card", "lloyds card"),
    "natwest": ("natwest credit card", "natwest card"),
    "halifax": ("halifax credit card",),
    "monzo": ("monzo flex",),
}
_ISSUER_TEXT = re.compile(
    r"\b("
    + "|".join(
        re.escape(name)
        for name in sorted({n for names in _ISSUERS.values() for n in names}, key=len, reverse=True)
    )
    + r")\b"
)
_BANK_LABELS: dict[str, str] = {
    "monzo": "Monzo",
    "amex": "Amex",
    "barclaycard": "Barclaycard",
    "natwest": "NatWest",
    "hsbc": "HSBC",
    "lloyds": "Lloyds",
    "halifax": "Halifax",
    "santander": "Santander",
    "nationwide": "Nationwide",
    "starling": "Starling",
    "revolut": "Revolut",
    "mbna": "MBNA",
    "capitalone": "Capital One",
}


@lru_cache(maxsize=256)
def bank_brand(bank: str) -> str:
    """`ob-amex`, `uk-ob-barclaycard`, `monzo` → `amex`, `barclaycard`, `monzo`."""
    brand = bank.strip().lower()
    for prefix in ("uk-", "ob-", "oauth-", "cs-"):
        brand = brand.removeprefix(prefix)
    return brand


@lru_cache(maxsize=256)
def bank_label(bank: str) -> str:
    """How people call the bank: "Monzo", "Amex", "NatWest"."""
    brand = bank_brand(bank)
    return _BANK_LABELS.get(brand, brand.replace("-", " ").title())


@dataclass(frozen=True)
class AccountInfo:
    """What classification needs to know about one of the user's accounts."""

    id: str
    kind: str  # current, joint, savings, credit_card
    name: str
    bank: str  # "monzo" or the TrueLayer provider id

    @property
    def label(self) -> str:
        return f"{self.name} ({bank_label(self.bank)})"

    def issuer_names(self) -> tuple[str, ...]:
        return _ISSUERS.get(bank_brand(self.bank), (bank_brand(self.bank),))


@dataclass(slots=True)
class Txn:
    """A transaction as classification sees it, with what was decided before."""

    id: str
    account_id: str
    created_at: datetime
    amount: int
    currency: str
    status: str = "settled"
    description: str = ""
    merchant: str | None = None
    counterparty: str | None = None
    provider_category: str | None = None
    pot_external_id: str | None = None
    category: str | None = None
    category_source: str | None = None
    classification: str | None = None
    classification_source: str | None = None
    classification_reason: str | None = None
    linked_id: str | None = None

    @property
    def user_classified(self) -> bool:
        return self.classification_source == SOURCE_USER and self.classification is not None

    @property
    def user_categorised(self) -> bool:
        return self.category_source == categories.SOURCE_USER and self.category is not None


class Outcome(NamedTuple):
    """The decision for one transaction: every column classification owns.

    A tuple, so a decision compares with what is stored (the same columns, in this
    order) in one step.
    """

    merchant_key: str | None
    category: str
    category_source: str
    classification: str
    classification_source: str
    reason: str
    linked_id: str | None


@dataclass(frozen=True)
class Context:
    """The user's side of the picture: accounts, rules and what they said no to."""

    accounts: Mapping[str, AccountInfo]
    rules: Sequence[categories.Rule] = ()
    rejected_pairs: frozenset[tuple[str, str]] = frozenset()
    pot_names: Mapping[str, str] = field(default_factory=dict)
    # merchant key → the category the provider most often gives it (see categories).
    merchant_categories: Mapping[str, str] = field(default_factory=dict)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The order-free key of a pair of transaction ids."""
    return (a, b) if a <= b else (b, a)


@lru_cache(maxsize=4096)
def _money(amount: int, currency: str) -> str:
    return Money(abs(amount), currency).format()


def _days_apart(a: datetime, b: datetime) -> str:
    days = abs((b.date() - a.date()).days)
    if days == 0:
        return "same day"
    return "1 day apart" if days == 1 else f"{days} days apart"


# --- what a single transaction looks like -----------------------------------------


@lru_cache(maxsize=65536)
def _text_facts(
    description: str, counterparty: str | None, merchant: str | None
) -> tuple[str, bool, bool, str | None]:
    """(lower-cased text, reads like a transfer, reads like a payment, card issuer named).

    Cached: statement texts repeat a great deal.
    """
    text = " ".join(x for x in (description, counterparty or "", merchant or "") if x).lower()
    issuer = _ISSUER_TEXT.search(text)
    return (
        text,
        bool(_TRANSFER_WORDS.search(text)),
        bool(_PAYMENT_WORDS.search(text)),
        issuer.group(1) if issuer else None,
    )


def _facts(t: Txn) -> tuple[str, bool, bool, str | None]:
    return _text_facts(t.description, t.counterparty, t.merchant)


@lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")


@lru_cache(maxsize=65536)
def _mentions(text: str, names: tuple[str, ...]) -> bool:
    return _names_pattern(names).search(text) is not None


@lru_cache(maxsize=4096)
def _transfer_code(provider_category: str | None) -> bool:
    pc = (provider_category or "").strip()
    return pc in _TRANSFER_CODES or pc.upper() in _TRANSFER_CODES or pc.lower() == "transfer"


def _provider_says_transfer(t: Txn) -> bool:
    return _transfer_code(t.provider_category)


def _is_income_like(t: Txn) -> bool:
    return categories.from_provider(t.provider_category) in _INCOME_CATEGORIES


def _looks_like_transfer(t: Txn) -> bool:
    return _provider_says_transfer(t) or _facts(t)[1]


def _names_issuer(t: Txn, names: tuple[str, ...]) -> bool:
    return _mentions(_facts(t)[0], names)


def _looks_like_card_payment(t: Txn) -> bool:
    return t.merchant is None and _facts(t)[2]


def _is_refund(t: Txn) -> bool:
    return t.amount > 0 and (t.merchant is not None)


# --- pairing ------------------------------------------------------------------------


# A candidate pair: (-score, gap, out id, in id, kind). Plain tuples sort in rank order
# (best hints first, then the fewest days apart, then ids) with no key function; the
# ids make every edge distinct, so the kind is never compared.
_Edge = tuple[int, timedelta, str, str, Classification]


def _pairable(t: Txn, accounts: Mapping[str, AccountInfo]) -> bool:
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
        if side.merchant is not None or _is_income_like(side):
            return None
    hints = _looks_like_transfer(out) + _looks_like_transfer(into)
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
    names_card = _names_issuer(out, b.issuer_names())
    if out.merchant is not None and not names_card:
        return None
    score = (3 if names_card else 0) + (2 if _looks_like_card_payment(into) else 0)
    if score == 0:
        return None
    return (-score, abs(delta), out.id, into.id, Classification.CARD_REPAYMENT)


def _pairs(
    candidates: Sequence[Txn],
    targets: frozenset[str] | None,
    context: Context,
) -> dict[str, tuple[str, Classification]]:
    """One-to-one matches: id → (other id, kind), both directions."""
    accounts = context.accounts
    rejected = context.rejected_pairs
    # Money in, by currency and amount, in time order: an outgoing payment only looks
    # at those inside its window (regular transfers repeat one amount for years).
    # Money in from a merchant (a refund) is never the other half of either kind of pair.
    incoming: dict[tuple[str, int], list[Txn]] = defaultdict(list)
    for t in candidates:
        if t.amount > 0 and t.merchant is None:
            incoming[(t.currency, t.amount)].append(t)
    times: dict[tuple[str, int], list[datetime]] = {}
    by_time = attrgetter("created_at", "id")
    for key, items in incoming.items():
        items.sort(key=by_time)
        times[key] = [t.created_at for t in items]
    before, after = max(TRANSFER_WINDOW, REPAYMENT_BEFORE), max(TRANSFER_WINDOW, REPAYMENT_AFTER)
    edges: list[_Edge] = []
    for out in candidates:
        if out.amount >= 0:
            continue
        a = accounts[out.account_id]
        if a.kind not in BANK_KINDS:
            continue
        key = (out.currency, -out.amount)
        found = incoming.get(key)
        if not found:
            continue
        moments = times[key]
        first = bisect_left(moments, out.created_at - before)
        last = bisect_right(moments, out.created_at + after)
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
    edges.sort()
    taken: dict[str, tuple[str, Classification]] = {}
    for _, _, out_id, in_id, kind in edges:
        if out_id in taken or in_id in taken:
            continue
        taken[out_id] = (in_id, kind)
        taken[in_id] = (out_id, kind)
    return taken


# --- deciding ------------------------------------------------------------------------


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


_POT_MOVE = Classification.POT_MOVE.value
_CARD_REPAYMENT = Classification.CARD_REPAYMENT.value
_SPENDING = Classification.SPENDING.value
_INCOME = Classification.INCOME.value


def _single(t: Txn, context: Context) -> tuple[str, str]:
    """Classification (its value) of a transaction that is not part of a pair, and why."""
    account = context.accounts.get(t.account_id)
    if t.pot_external_id is not None:
        pot = context.pot_names.get(t.pot_external_id)
        where = f"your {pot} pot" if pot else "a Monzo pot"
        if t.amount < 0:
            return _POT_MOVE, f"Pot move — into {where}"
        return _POT_MOVE, f"Pot move — out of {where}"
    card_credit = account is not None and account.kind == CARD_KIND and t.amount > 0
    if card_credit and _looks_like_card_payment(t):
        return (
            _CARD_REPAYMENT,
            "Card repayment — a payment received on the card; the account it came from "
            "is not connected or its side has not arrived yet",
        )
    if account is not None and account.kind in BANK_KINDS and t.amount < 0:
        issuer = _facts(t)[3]
        if issuer is not None and (t.merchant is None or merchant_key(t.merchant) == issuer):
            return (
                _CARD_REPAYMENT,
                f"Card repayment — a payment to {issuer.title()}; no matching credit on a "
                "connected card (yet)",
            )
    if _is_refund(t):
        shop = t.merchant or t.description
        return _SPENDING, f"Refund from {shop} — reduces spending in its category"
    if t.amount > 0:
        return _INCOME, "Money in"
    if t.merchant:
        return _SPENDING, f"Payment to {t.merchant}"
    return _SPENDING, "Money out"


_CLASS_FALLBACK: dict[str, str] = {
    Classification.SPENDING: categories.FALLBACK,
    Classification.INCOME: "income",
    Classification.INTERNAL_TRANSFER: "transfers",
    Classification.POT_MOVE: "transfers",
    Classification.CARD_REPAYMENT: "finances",
}


def choose_category(
    t: Txn, key: str | None, classification: str, context: Context, rules: Sequence[categories.Rule]
) -> tuple[str, str]:
    """(category, source) for a transaction; the user's own choice always wins."""
    if t.category_source == categories.SOURCE_USER and t.category is not None:
        return t.category, categories.SOURCE_USER
    rule = (
        categories.first_match(
            rules,
            merchant_key=key,
            description=t.description,
            merchant=t.merchant,
            amount=t.amount,
            account_id=t.account_id,
        )
        if rules
        else None
    )
    if rule is not None:
        return rule.category, categories.SOURCE_RULE
    provided = categories.from_provider(t.provider_category)
    if provided is not None:
        return provided, categories.SOURCE_PROVIDER
    if key is not None and key in context.merchant_categories:
        return context.merchant_categories[key], categories.SOURCE_PROVIDER
    return _CLASS_FALLBACK.get(classification, categories.FALLBACK), categories.SOURCE_PROVIDER


def transaction_key(t: Txn) -> str | None:
    """The merchant key of a transaction (None for pot moves: they have no merchant)."""
    if t.pot_external_id is not None:
        return None
    return merchant_key_for(t.merchant, t.counterparty, t.description)


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
        grown = set(targets)
        for tid in targets:
            t = by_id.get(tid)
            if t is not None and t.linked_id is not None and not t.user_classified:
                grown.add(t.linked_id)
        targets = frozenset(grown & by_id.keys())
    rules = categories.ordered(context.rules)

    def free(t: Txn) -> bool:
        if targets is None or t.id in targets:
            return True
        return t.linked_id is None or t.linked_id not in by_id

    accounts = context.accounts
    if targets is None:
        candidates = [t for t in transactions if _pairable(t, accounts)]
    else:
        candidates = [t for t in transactions if free(t) and _pairable(t, accounts)]
    pairs = _pairs(candidates, targets, context)

    if targets is None:
        decide: Sequence[Txn] = transactions
    else:
        decide = [t for t in transactions if t.id in targets or t.id in pairs]
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
        elif t.id in pairs:
            other_id, kind = pairs[t.id]
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


# --- learning from the user's own choices -------------------------------------------

SUGGESTION_WINDOW = 5
SUGGESTION_THRESHOLD = 3


@dataclass(frozen=True)
class Suggestion:
    """ "Apply <category> to past and future <merchant>", offered, never applied silently."""

    merchant_key: str
    merchant: str
    category: str
    chosen: int  # how many of the merchant's latest transactions the user put there
    to_change: int  # past transactions of the merchant that would change category
    evidence: tuple[str, ...]

    @property
    def key(self) -> str:
        return suggestion_key(self.merchant_key, self.category)


def suggestion_key(merchant: str, category: str) -> str:
    """The key a dismissed suggestion is remembered by."""
    return f"{merchant}:{category}"


@dataclass(frozen=True)
class MerchantTxn:
    """One of a merchant's transactions, for learning."""

    id: str
    created_at: datetime
    category: str | None
    category_source: str | None
    display: str


def suggest(
    history: Mapping[str, Sequence[MerchantTxn]],
    rules: Iterable[categories.Rule],
    dismissed: frozenset[str],
    *,
    window: int = SUGGESTION_WINDOW,
    threshold: int = SUGGESTION_THRESHOLD,
) -> list[Suggestion]:
    """Suggestions from the user's re-categorisations.

    For each merchant: among its `window` latest transactions, when at
    least `threshold` have a category the user chose, and the same one,
    offer to apply it to all the merchant's transactions, past and future
    — unless a rule already does exactly that, or the user dismissed it.
    """
    covered = {
        (r.merchant_key, r.category)
        for r in rules
        if r.merchant_key is not None
        and r.description_contains is None
        and r.description_equals is None
        and r.min_amount is None
        and r.max_amount is None
        and r.account_id is None
    }
    found: list[Suggestion] = []
    for key, items in history.items():
        latest = sorted(items, key=lambda m: (m.created_at, m.id), reverse=True)[:window]
        counts: dict[str, list[str]] = defaultdict(list)
        for m in latest:
            if m.category_source == categories.SOURCE_USER and m.category:
                counts[m.category].append(m.id)
        if not counts:
            continue
        category, ids = min(counts.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        if len(ids) < threshold:
            continue
        if (key, category) in covered or suggestion_key(key, category) in dismissed:
            continue
        to_change = sum(
            1
            for m in items
            if m.category_source != categories.SOURCE_USER and m.category != category
        )
        display = latest[0].display or key
        found.append(Suggestion(key, display, category, len(ids), to_change, tuple(ids)))
    found.sort(key=lambda s: (-s.chosen, s.merchant_key, s.category))
    return found
