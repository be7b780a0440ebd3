"""A card-pot rule's config is checked against the user's own data: their pot, their
credit cards in the pot's currency, sane limits, and no pot or card kept twice."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session

from potwise.db.models import Account, Pot
from potwise.domain.errors import DomainError
from potwise.services.automations import rules
from potwise.services.errors import Conflict, InvalidInput
from tests.integration.automations.builders import household


def _spare_pot(db: Session, home: dict[str, str], **fields: Any) -> str:
    pot = Pot(
        user_id=home["user"],
        connection_id=home["monzo"],
        account_id=home["current"],
        external_id=f"pot-{uuid.uuid4().hex}",
        name="Spare",
        currency="GBP",
        **fields,
    )
    db.add(pot)
    db.commit()
    return pot.id


def _card(db: Session, home: dict[str, str], name: str, currency: str = "GBP") -> str:
    card = Account(
        user_id=home["user"],
        connection_id=home["amex"],
        external_id=f"card-{name}",
        provider="ob-amex",
        kind="credit_card",
        name=name,
        currency=currency,
    )
    db.add(card)
    db.commit()
    return card.id


@pytest.fixture
def home(db: Session) -> dict[str, str]:
    return household(db, "ann")


def _validate(db: Session, home: dict[str, str], **config: Any) -> dict[str, Any]:
    return rules.validate(db, home["user"], "card_pot", config, home["rule"])


def test_defaults_are_filled_in_and_the_config_comes_back_in_order(
    db: Session, home: dict[str, str]
) -> None:
    config = _validate(db, home, pot_id=home["pot"], card_account_ids=[home["card"]])
    assert list(config.items()) == [
        ("pot_id", home["pot"]),
        ("card_account_ids", [home["card"]]),
        ("cooldown_hours", 3),
        ("override_cooldown_on_spending", True),
        ("max_transfer", 100_000),
        ("max_per_day", 300_000),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "blue"}, "config.colour: Extra inputs are not permitted"),
        ({"pot_id": ""}, "config.pot_id: String should have at least 1 character"),
        ({"pot_id": "nope"}, "config.pot_id is not one of your pots."),
        ({"card_account_ids": []}, "config.card_account_ids: List should have at least 1 item"),
        ({"card_account_ids": "card"}, "config.card_account_ids: Input should be a valid list"),
        ({"cooldown_hours": 73}, "config.cooldown_hours: Input should be less than or equal to 72"),
        ({"cooldown_hours": True}, "config.cooldown_hours: Input should be a valid integer"),
        ({"max_transfer": 0}, "config.max_transfer: Input should be greater than or equal to 1"),
        ({"max_per_day": 1.5}, "config.max_per_day: Input should be a valid integer"),
        ({"max_per_day": "12.345"}, "config.max_per_day: '12.345' is not an amount in pounds"),
        ({"max_per_day": "£1,000"}, None),
        ({"override_cooldown_on_spending": "yes"}, "Input should be a valid boolean"),
    ],
)
def test_a_malformed_config_is_refused_with_the_reason(
    db: Session, home: dict[str, str], change: dict[str, Any], message: str | None
) -> None:
    config = {"pot_id": home["pot"], "card_account_ids": [home["card"]], **change}
    if message is None:  # an amount typed in pounds is read as pence
        assert _validate(db, home, **config)["max_per_day"] == 100_000
        return
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        _validate(db, home, **config)


def test_a_card_listed_twice_is_refused(db: Session, home: dict[str, str]) -> None:
    with pytest.raises(InvalidInput, match="lists a card twice"):
        _validate(db, home, pot_id=home["pot"], card_account_ids=[home["card"], home["card"]])


def test_a_deleted_pot_is_refused(db: Session, home: dict[str, str]) -> None:
    gone = _spare_pot(db, home, deleted=True)
    with pytest.raises(InvalidInput, match="deleted in the Monzo app"):
        _validate(db, home, pot_id=gone, card_account_ids=[home["card"]])


def test_only_the_users_own_credit_cards_in_the_pots_currency_are_taken(
    db: Session, home: dict[str, str]
) -> None:
    bob = household(db, "bob")
    dollars = _card(db, home, "Dollar card", currency="USD")
    cases = [
        (bob["card"], f"{bob['card']} is not one of your accounts"),
        (home["current"], "Current is not a credit card"),
        (dollars, "Dollar card is in USD but the pot is in GBP"),
    ]
    for card_id, message in cases:
        with pytest.raises(InvalidInput, match=message):
            _validate(db, home, pot_id=home["pot"], card_account_ids=[card_id])


def test_another_users_pot_is_not_yours(db: Session, home: dict[str, str]) -> None:
    bob = household(db, "bob")
    with pytest.raises(InvalidInput, match="is not one of your pots"):
        _validate(db, home, pot_id=bob["pot"], card_account_ids=[home["card"]])


def test_a_pot_or_card_another_rule_keeps_is_a_conflict(db: Session, home: dict[str, str]) -> None:
    spare_pot = _spare_pot(db, home)
    spare_card = _card(db, home, "Spare card")
    with pytest.raises(Conflict, match="already keeps this pot"):
        rules.validate(
            db,
            home["user"],
            "card_pot",
            {"pot_id": home["pot"], "card_account_ids": [spare_card]},
            None,
        )
    with pytest.raises(Conflict, match="already covers one of these cards"):
        rules.validate(
            db,
            home["user"],
            "card_pot",
            {"pot_id": spare_pot, "card_account_ids": [home["card"]]},
            None,
        )
    # The rule being changed does not conflict with itself.
    assert _validate(db, home, pot_id=spare_pot, card_account_ids=[home["card"]])


def test_the_first_problem_found_is_the_one_reported(db: Session, home: dict[str, str]) -> None:
    # The config's shape is checked before whose pot and cards it names, and a missing
    # pot is reported before the cards.
    with pytest.raises(DomainError, match=r"config\.card_account_ids: List should have"):
        _validate(db, home, pot_id="nope", card_account_ids=[], colour="blue")
    with pytest.raises(DomainError, match="not one of your pots"):
        _validate(db, home, pot_id="nope", card_account_ids=["nope"])
