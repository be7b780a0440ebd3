"""Creating, changing and listing rules, with their config validated against the user's own data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, Pot
from potwise.db.scoping import get_owned, owned
from potwise.domain.mirror import AccountKind
from potwise.domain.transfers import RuleStatus
from potwise.logs import get_logger
from potwise.services.errors import Conflict, InvalidInput, NotFound

log = get_logger(__name__)

KINDS = ("card_pot", "sweep", "autosort", "topup", "goal")
AVAILABLE_KINDS = ("card_pot",)

CARD_POT_DEFAULTS: dict[str, Any] = {
    "cooldown_hours": 3,
    "override_cooldown_on_spending": True,
    "max_transfer": 100_000,
    "max_per_day": 300_000,
}
MAX_LIMIT = 10_000_000  # £100,000: anything above is a typo, not a rule


@dataclass(frozen=True)
class RuleInput:
    kind: str
    name: str
    enabled: bool
    config: dict[str, Any]


def _int(config: dict[str, Any], key: str, low: int, high: int) -> int:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"config.{key} must be a whole number.")
    if not low <= value <= high:
        raise InvalidInput(f"config.{key} must be between {low} and {high}.")
    return value


def validate_card_pot(
    db: Session, user_id: str, config: dict[str, Any], *, rule_id: str | None
) -> dict[str, Any]:
    """The config with defaults filled in; refuses anything that is not the user's own,
    a deleted pot, non-card accounts, mixed currencies, or a pot or card another rule covers."""
    merged = {**CARD_POT_DEFAULTS, **config}
    _check_fields(merged)
    pot = _own_pot(db, user_id, merged.get("pot_id"))
    cards = _card_ids(merged.get("card_account_ids"))
    for card_id in cards:
        _check_card(get_owned(db, Account, card_id, user_id), card_id, pot)
    limits = _limits(merged)
    _check_not_covered(db, user_id, pot.id, cards, rule_id)
    return {"pot_id": pot.id, "card_account_ids": list(cards), **limits}


def _check_fields(merged: dict[str, Any]) -> None:
    unknown = set(merged) - {"pot_id", "card_account_ids", *CARD_POT_DEFAULTS}
    if unknown:
        raise InvalidInput(f"Unknown config field(s): {', '.join(sorted(unknown))}.")


def _own_pot(db: Session, user_id: str, pot_id: object) -> Pot:
    """The user's own pot, still there in the Monzo app."""
    if not isinstance(pot_id, str) or not pot_id:
        raise InvalidInput("config.pot_id must name one of your pots.")
    pot = get_owned(db, Pot, pot_id, user_id)
    if pot is None:
        raise InvalidInput("config.pot_id is not one of your pots.")
    if pot.deleted:
        raise InvalidInput("That pot was deleted in the Monzo app; choose another.")
    return pot


def _card_ids(cards: object) -> list[str]:
    """At least one card id, none twice."""
    if not isinstance(cards, list) or not cards or not all(isinstance(c, str) for c in cards):
        raise InvalidInput("config.card_account_ids must list at least one of your cards.")
    if len(set(cards)) != len(cards):
        raise InvalidInput("config.card_account_ids lists a card twice.")
    return cards


def _check_card(card: Account | None, card_id: str, pot: Pot) -> None:
    """One of the user's own credit cards, in the pot's currency."""
    if card is None:
        raise InvalidInput(f"config.card_account_ids: {card_id} is not one of your accounts.")
    if card.kind != AccountKind.CREDIT_CARD:
        raise InvalidInput(f"config.card_account_ids: {card.name} is not a credit card.")
    if card.currency != pot.currency:
        raise InvalidInput(
            f"{card.name} is in {card.currency} but the pot is in {pot.currency}; "
            "a card pot needs one currency."
        )


def _limits(merged: dict[str, Any]) -> dict[str, Any]:
    """The cooldown and the transfer limits, in the order the stored config lists them."""
    cooldown_hours = _int(merged, "cooldown_hours", 0, 72)
    max_transfer = _int(merged, "max_transfer", 1, MAX_LIMIT)
    max_per_day = _int(merged, "max_per_day", 1, MAX_LIMIT)
    override = merged["override_cooldown_on_spending"]
    if not isinstance(override, bool):
        raise InvalidInput("config.override_cooldown_on_spending must be true or false.")
    return {
        "cooldown_hours": cooldown_hours,
        "override_cooldown_on_spending": override,
        "max_transfer": max_transfer,
        "max_per_day": max_per_day,
    }


def _check_not_covered(
    db: Session, user_id: str, pot_id: str, cards: list[str], rule_id: str | None
) -> None:
    """No other card-pot rule of the user keeps this pot or follows one of these cards."""
    for other in db.scalars(owned(Automation, user_id).where(Automation.kind == "card_pot")):
        if other.id == rule_id:
            continue
        if other.config.get("pot_id") == pot_id:
            raise Conflict(f"The rule \u201c{other.name}\u201d already keeps this pot.")
        shared = set(other.config.get("card_account_ids", [])) & set(cards)
        if shared:
            raise Conflict(f"The rule \u201c{other.name}\u201d already covers one of these cards.")


def _validate(
    db: Session, user_id: str, kind: str, config: dict[str, Any], rule_id: str | None
) -> dict[str, Any]:
    if kind not in KINDS:
        raise InvalidInput(f"Unknown kind {kind!r}; one of {', '.join(KINDS)}.")
    if kind not in AVAILABLE_KINDS:
        raise InvalidInput(f"Rules of kind {kind!r} are not available in this version yet.")
    return validate_card_pot(db, user_id, config, rule_id=rule_id)


def _name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the rule a name of 1 to 120 characters.")
    return name


def create(db: Session, user_id: str, data: RuleInput) -> Automation:
    config = _validate(db, user_id, data.kind, data.config, None)
    rule = Automation(
        user_id=user_id, kind=data.kind, name=_name(data.name), enabled=data.enabled, config=config
    )
    db.add(rule)
    db.commit()
    log.info("automation.created", user_id=user_id, automation_id=rule.id, kind=rule.kind)
    return rule


def get(db: Session, user_id: str, rule_id: str) -> Automation:
    rule = get_owned(db, Automation, rule_id, user_id)
    if rule is None:
        raise NotFound("No such automation.")
    return rule


def list_rules(db: Session, user_id: str) -> list[Automation]:
    return list(db.scalars(owned(Automation, user_id).order_by(Automation.created_at)))


def update(
    db: Session,
    user_id: str,
    rule_id: str,
    *,
    name: str | None = None,
    enabled: bool | None = None,
    config: dict[str, Any] | None = None,
) -> Automation:
    """Change a rule. A changed pot or card list starts it afresh (its state is reset)."""
    rule = get(db, user_id, rule_id)
    if name is not None:
        rule.name = _name(name)
    if config is not None:
        merged = _validate(db, user_id, rule.kind, {**rule.config, **config}, rule.id)
        if (merged["pot_id"], sorted(merged["card_account_ids"])) != (
            rule.config.get("pot_id"),
            sorted(rule.config.get("card_account_ids", [])),
        ):
            rule.state = None
        rule.config = merged
    if enabled is not None:
        rule.enabled = enabled
        if enabled and rule.status == RuleStatus.PAUSED:
            rule.status, rule.status_reason = RuleStatus.OK, None
    db.commit()
    log.info("automation.updated", user_id=user_id, automation_id=rule.id)
    return rule


def delete(db: Session, user_id: str, rule_id: str) -> None:
    rule = get(db, user_id, rule_id)
    db.delete(rule)
    db.commit()
    log.info("automation.deleted", user_id=user_id, automation_id=rule_id)


def rules_for_cards(db: Session, account_ids: list[str]) -> list[Automation]:
    """Enabled card-pot rules that follow any of these card accounts."""
    if not account_ids:
        return []
    wanted = set(account_ids)
    return [
        rule
        for rule in db.scalars(
            select(Automation).where(Automation.kind == "card_pot", Automation.enabled.is_(True))
        )
        if wanted & set(rule.config.get("card_account_ids", []))
    ]
