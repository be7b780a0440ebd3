"""Learning from the user's own choices: "apply <category> to past and future <merchant>"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from potwise.domain import categories

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


def _covered(rules: Iterable[categories.Rule]) -> set[tuple[str | None, str]]:
    """(merchant, category) of the rules that put a whole merchant in a category."""
    return {
        (r.merchant_key, r.category)
        for r in rules
        if r.merchant_key is not None
        and r.description_contains is None
        and r.description_equals is None
        and r.min_amount is None
        and r.max_amount is None
        and r.account_id is None
    }


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
    covered = _covered(rules)
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
