"""The dashboard and the card-pot rule agree on what is owed on a card: American
Express pending charges included, before the rule's first run and after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Account, Automation, Connection, Pot, SyncRun, Transaction, User
from potwise.services import dashboard
from potwise.services.automations import runner
from potwise.services.cashflow import outlook
from potwise.web.ui.automation_pages import _rule_cards

LONDON = ZoneInfo("Europe/London")


def _household(
    db: Session, now: datetime, user_id: str | None = None
) -> tuple[User, Automation, Account]:
    """A Monzo pot for an Amex on which £500.00 is posted and two charges are pending
    (for a new user, or the signed-in `user_id`)."""
    found = db.get(User, user_id) if user_id else None
    user = found or User(email="owed@example.com", password_hash="-")
    db.add(user)
    db.flush()
    monzo = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
    amex = Connection(
        user_id=user.id, provider="truelayer", provider_id="ob-amex", display_name="Amex"
    )
    db.add_all([monzo, amex])
    db.flush()
    current = Account(
        user_id=user.id,
        connection_id=monzo.id,
        external_id="acc",
        provider="monzo",
        kind="current",
        name="Current account",
        currency="GBP",
        balance=2_000_00,
        available=2_000_00,
    )
    card = Account(
        user_id=user.id,
        connection_id=amex.id,
        external_id="amex",
        provider="ob-amex",
        kind="credit_card",
        name="Amex Gold",
        currency="GBP",
        balance=-500_00,
    )
    db.add_all([current, card])
    db.flush()
    pot = Pot(
        user_id=user.id,
        connection_id=monzo.id,
        account_id=current.id,
        external_id="pot",
        name="Card bills",
        currency="GBP",
        balance=100_00,
    )
    db.add(pot)
    db.flush()

    def item(n: int, amount: int, status: str) -> Transaction:
        return Transaction(
            user_id=user.id,
            connection_id=amex.id,
            account_id=card.id,
            external_id=f"tx-{n}",
            created_at=now - timedelta(hours=n),
            amount=amount,
            currency="GBP",
            status=status,
            description="SHOP",
        )

    db.add_all(
        [
            item(1, -18_99, "pending"),
            item(2, -5_00, "pending"),
            item(3, 40_00, "pending"),  # a refund: counts once it posts
            item(4, -9_99, "declined"),
            item(5, -12_00, "settled"),  # already in the posted balance
        ]
    )
    rule = Automation(
        user_id=user.id,
        kind="card_pot",
        name="Amex pot",
        config={"pot_id": pot.id, "card_account_ids": [card.id]},
    )
    db.add(rule)
    # Both connections have just synced, so a preview reads the mirror and calls no bank.
    db.add_all(
        SyncRun(
            user_id=user.id,
            connection_id=connection.id,
            trigger="manual",
            started_at=now,
            finished_at=now,
            status="succeeded",
        )
        for connection in (monzo, amex)
    )
    db.commit()
    return user, rule, card


def _tile_owed(db: Session, user_id: str) -> int | None:
    [tile] = dashboard.card_pot_tiles(db, user_id, LONDON, None)
    return tile.owed


def test_the_dashboard_counts_amex_pending_charges_as_the_rule_does(
    db: Session, engine: Engine
) -> None:
    now = datetime.now(UTC)
    user, rule, _ = _household(db, now)
    ctx: Any = SimpleNamespace(
        session_factory=make_session_factory(engine),
        settings=SimpleNamespace(timezone="Europe/London"),
    )

    before = _tile_owed(db, user.id)
    preview = runner.run_rule(ctx, rule.id, trigger="sync", dry_run=True)

    assert preview.run.status == "preview", preview.run.explanation
    assert before == preview.run.decision["target"] == 500_00 + 18_99 + 5_00

    # After a run the dashboard shows what the cards owe now, as the rule counts it.
    rule.state = preview.run.decision["new_state"]
    db.commit()
    assert _tile_owed(db, user.id) == 523_99


def test_after_a_run_a_new_pending_charge_shows_alike_on_the_tile_and_beside_safe_to_spend(
    db: Session,
) -> None:
    # The tile showed what the rule recorded at its last run, "Owed on cards" beside
    # safe to spend what is owed now: a charge since then counted in one, not the other.
    now = datetime.now(UTC)
    user, rule, card = _household(db, now)
    rule.state = {"recorded_owed": 523_99}
    rule.last_run_at = now - timedelta(hours=2)
    db.add(
        Transaction(
            user_id=user.id,
            connection_id=card.connection_id,
            account_id=card.id,
            external_id="tx-new",
            created_at=now - timedelta(minutes=5),
            amount=-33_24,
            currency="GBP",
            status="pending",
            description="SHOP",
        )
    )
    db.commit()
    safe = outlook.dashboard_safe_to_spend(db, user.id, LONDON)
    assert safe is not None
    assert _tile_owed(db, user.id) == safe.cards_owed == 523_99 + 33_24


def test_the_automations_page_shows_the_same_owed_before_the_first_run(db: Session) -> None:
    # Before any run the list of rules showed the cards' posted balances alone
    # (£500.00), beside a dashboard tile of £523.99: one figure, asked in one place.
    user, _, _ = _household(db, datetime.now(UTC))
    [card] = _rule_cards(db, user.id, LONDON, None)
    assert card.owed == _tile_owed(db, user.id) == 523_99


def test_safe_to_spend_shows_the_same_owed_on_cards(db: Session) -> None:
    # "Owed on cards" beside safe to spend counted posted balances alone: £500.00 on
    # one screen, £523.99 on the card pot's tile beside it.
    user, _, _ = _household(db, datetime.now(UTC))
    safe = outlook.dashboard_safe_to_spend(db, user.id, LONDON)
    assert safe is not None
    assert safe.cards_owed == _tile_owed(db, user.id) == 523_99
