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
from potwise.services import verification
from potwise.services.automations import configs, conflicts
from potwise.services.errors import InvalidInput, NotFound

log = get_logger(__name__)

KINDS = configs.KINDS


@dataclass(frozen=True)
class RuleInput:
    kind: str
    name: str
    enabled: bool
    config: dict[str, Any]


def validate_card_pot(
    db: Session, user_id: str, config: configs.CardPotConfig, *, rule_id: str | None
) -> dict[str, Any]:
    """The config as stored; refuses anything that is not the user's own, a deleted pot,
    non-card accounts, mixed currencies, or a pot or card another rule covers."""
    pot = own_pot(db, user_id, config.pot_id)
    for card_id in config.card_account_ids:
        _check_card(get_owned(db, Account, card_id, user_id), card_id, pot)
    conflicts.check(db, user_id, "card_pot", config, rule_id)
    return configs.stored(config)


def own_pot(db: Session, user_id: str, pot_id: str, where: str = "config.pot_id") -> Pot:
    """The user's own pot, still there in the Monzo app."""
    pot = get_owned(db, Pot, pot_id, user_id)
    if pot is None:
        raise InvalidInput(f"{where} is not one of your pots.")
    if pot.deleted:
        raise InvalidInput(
            f"The pot \u201c{pot.name}\u201d was deleted in the Monzo app; choose another."
        )
    return pot


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


def _validate_moves(
    db: Session, user_id: str, kind: str, config: configs.RuleConfig, rule_id: str | None
) -> dict[str, Any]:
    """A sweep, sorter, top-up or goal: every pot the user's own, live, in pounds, and
    all on one current account (the one the money comes from and goes to)."""
    stored = configs.stored(config)
    pot_ids = configs.pot_ids(kind, stored)
    pots = [
        own_pot(
            db,
            user_id,
            pot_id,
            f"config.steps.{i}.pot_id" if kind == "autosort" else "config.pot_id",
        )
        for i, pot_id in enumerate(pot_ids)
    ]
    if len({p.account_id for p in pots}) > 1:
        raise InvalidInput("Every pot of one rule must belong to the same current account.")
    for pot in pots:
        if pot.currency != "GBP":
            raise InvalidInput(f"The pot \u201c{pot.name}\u201d is not in pounds.")
    conflicts.check(db, user_id, kind, config, rule_id)
    return stored


def validate(
    db: Session, user_id: str, kind: str, config: dict[str, Any], rule_id: str | None
) -> dict[str, Any]:
    """The config as stored, checked against the user's own data and other rules."""
    parsed = configs.parse(kind, config)
    if isinstance(parsed, configs.CardPotConfig):
        return validate_card_pot(db, user_id, parsed, rule_id=rule_id)
    return _validate_moves(db, user_id, kind, parsed, rule_id)


def _name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 120:
        raise InvalidInput("Give the rule a name of 1 to 120 characters.")
    return name


def create(db: Session, user_id: str, data: RuleInput) -> Automation:
    """Every kind of rule moves money: an address still to confirm may not make one."""
    verification.require_verified(db, user_id)
    config = validate(db, user_id, data.kind, data.config, None)
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
    if enabled and not rule.enabled:
        verification.require_verified(db, user_id)
    if name is not None:
        rule.name = _name(name)
    if config is not None:
        merged = validate(db, user_id, rule.kind, {**rule.config, **config}, rule.id)
        if _follows(rule.kind, merged) != _follows(rule.kind, rule.config):
            rule.state = None
        rule.config = merged
    if enabled is not None:
        rule.enabled = enabled
        if enabled and rule.status == RuleStatus.PAUSED:
            rule.status, rule.status_reason = RuleStatus.OK, None
    db.commit()
    log.info("automation.updated", user_id=user_id, automation_id=rule.id)
    return rule


def _follows(kind: str, config: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The pots and cards a rule follows: a change of either starts it afresh."""
    return configs.pot_ids(kind, config), sorted(config.get("card_account_ids", []))


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
