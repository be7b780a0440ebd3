"""Households built straight in the database, for tests that need no bank."""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, Connection, Pot, User


def household(db: Session, name: str) -> dict[str, str]:
    """A user with a Monzo current account and pot, an Amex card, and a card-pot rule."""
    user = User(email=f"{name}@example.com", password_hash="-")
    db.add(user)
    db.flush()
    monzo = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    amex = Connection(user_id=user.id, provider="truelayer", display_name="Amex")
    db.add_all([monzo, amex])
    db.flush()
    current = Account(
        user_id=user.id,
        connection_id=monzo.id,
        external_id=f"{name}-acc",
        provider="monzo",
        kind="current",
        name="Current",
        currency="GBP",
    )
    card = Account(
        user_id=user.id,
        connection_id=amex.id,
        external_id=f"{name}-card",
        provider="ob-amex",
        kind="credit_card",
        name="Amex",
        currency="GBP",
    )
    db.add_all([current, card])
    db.flush()
    pot = Pot(
        user_id=user.id,
        connection_id=monzo.id,
        account_id=current.id,
        external_id=f"{name}-pot",
        name="Card",
        currency="GBP",
    )
    db.add(pot)
    db.flush()
    rule = Automation(
        user_id=user.id,
        kind="card_pot",
        name="Card pot",
        config={"pot_id": pot.id, "card_account_ids": [card.id]},
    )
    db.add(rule)
    db.commit()
    return {
        "user": user.id,
        "monzo": monzo.id,
        "amex": amex.id,
        "current": current.id,
        "card": card.id,
        "pot": pot.id,
        "rule": rule.id,
    }
