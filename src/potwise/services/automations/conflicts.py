"""Rules that would fight are refused when they are made, naming the other rule.

Two rules fight when one undoes what the other does:

* a credit-card pot is kept equal to what its cards owe, so nothing else may move
  money into or out of it, and no two card-pot rules share a pot or a card;
* a sweep empties the current account down to its threshold, a top-up fills it up
  to its target: with the threshold below the target the same money would go back
  and forth every day. On one current account a sweep's threshold must therefore be
  at least every top-up's target (then after a sweep there is nothing to top up,
  and after a top-up nothing to sweep).

Rules that move the same pot the same way (two sweeps into one pot) do not fight;
they run one after another in a stated order (`ordering.py`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from potwise.db.models import Automation, Pot
from potwise.db.scoping import owned
from potwise.domain.money import Money
from potwise.services.automations import configs
from potwise.services.errors import Conflict


def check(
    db: Session, user_id: str, kind: str, config: configs.RuleConfig, rule_id: str | None
) -> None:
    """Refuse (`Conflict`) a rule that would fight one of the user's others."""
    mine = configs.stored(config)
    my_pots = set(configs.pot_ids(kind, mine))
    my_account = _account_of(db, my_pots)
    for other in db.scalars(owned(Automation, user_id).order_by(Automation.created_at)):
        if other.id == rule_id:
            continue
        their_pots = set(configs.pot_ids(other.kind, other.config))
        _card_pots(other, kind, mine, my_pots, their_pots)
        if my_account is not None and my_account == _account_of(db, their_pots):
            _sweep_and_topup(other, kind, mine)


def _card_pots(
    other: Automation, kind: str, mine: dict[str, Any], my_pots: set[str], theirs: set[str]
) -> None:
    name = f"\u201c{other.name}\u201d"
    if kind == "card_pot" and other.kind == "card_pot":
        if my_pots & theirs:
            raise Conflict(f"The rule {name} already keeps this pot.")
        cards = set(other.config.get("card_account_ids", []))
        if cards & set(mine.get("card_account_ids", [])):
            raise Conflict(f"The rule {name} already covers one of these cards.")
        return
    if not my_pots & theirs:
        return
    if other.kind == "card_pot":
        raise Conflict(
            f"The rule {name} keeps this pot equal to what its cards owe; "
            "no other rule may move money into or out of it."
        )
    if kind == "card_pot":
        raise Conflict(
            f"The rule {name} already moves money into or out of this pot; "
            "a credit-card pot must be kept by its own rule alone."
        )


def _sweep_and_topup(other: Automation, kind: str, mine: dict[str, Any]) -> None:
    pair = {kind: mine, other.kind: other.config}
    if set(pair) != {"sweep", "topup"}:
        return
    threshold = int(pair["sweep"]["threshold"])
    target = int(pair["topup"]["target"])
    if threshold >= target:
        return
    name = f"\u201c{other.name}\u201d"
    if other.kind == "topup":
        raise Conflict(
            f"The rule {name} tops the current account up to {Money(target, 'GBP')}; "
            f"a sweep down to {Money(threshold, 'GBP')} would move the same money back and "
            f"forth. Set the sweep's threshold to at least {Money(target, 'GBP')}."
        )
    raise Conflict(
        f"The rule {name} sweeps the current account down to {Money(threshold, 'GBP')}; "
        f"a top-up to {Money(target, 'GBP')} would move the same money back and forth. "
        f"Set the top-up's target to at most {Money(threshold, 'GBP')}."
    )


def _account_of(db: Session, pot_ids: set[str]) -> str | None:
    """The current account a rule's pots belong to (they share one)."""
    for pot_id in sorted(pot_ids):
        pot = db.get(Pot, pot_id)
        if pot is not None:
            return pot.account_id
    return None
