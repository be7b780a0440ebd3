"""A rule's last run says what set it off, in words, through the real triggers and
runner against the sandbox: the user's own pot deposit, a card purchase, the button."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from potwise.db.models import Account, Pot, Transaction
from potwise.services.events import TransactionsChanged
from tests.integration.automations.world import World
from tests.support.harness import settle


def _monzo_row(db: Session, world: World, amount: int, **fields: object) -> Transaction:
    pot = db.get(Pot, world.pot["id"])
    assert pot is not None
    account = db.get(Account, pot.account_id)
    assert account is not None
    row = Transaction(
        user_id=pot.user_id,
        connection_id=pot.connection_id,
        account_id=account.id,
        external_id=f"tx_news_{amount}",
        created_at=datetime.now(UTC),
        amount=amount,
        currency="GBP",
        status="settled",
        description=str(fields.pop("description", "news")),
        **fields,
    )
    db.add(row)
    db.commit()
    return row


def _last_run_words(world: World) -> str:
    page = world.client.get("/automations").text
    section = page[page.index("Last run") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section[: section.index("</p>")]))


def _wake(world: World, db: Session, row: Transaction) -> dict[str, object]:
    before = len(world.runs())
    world.ctx.events.publish(
        TransactionsChanged(row.user_id, row.connection_id, row.account_id, (row.id,), "webhook")
    )
    settle(world.client)
    runs = world.runs()
    assert len(runs) == before + 1, runs
    return runs[0]


def test_a_pot_deposit_by_the_user_is_named_as_what_woke_the_rule(
    world: World, db: Session
) -> None:
    pot = db.get(Pot, world.pot["id"])
    assert pot is not None
    row = _monzo_row(db, world, -1_234, pot_external_id=pot.external_id)
    run = _wake(world, db, row)
    assert (run["trigger"], run["cause"]) == ("webhook", "pot_deposit")
    assert "after your pot deposit" in _last_run_words(world)


def test_a_card_purchase_and_run_now_are_named(world: World, db: Session) -> None:
    row = _monzo_row(db, world, -340, merchant="Costa Coffee", description="COSTA COFFEE")
    run = _wake(world, db, row)
    assert run["cause"] == "card_purchase"
    assert "after a card purchase" in _last_run_words(world)
    world.run()
    assert "when you pressed Run now" in _last_run_words(world)
    history = world.client.get(f"/automations/{world.rule_id}").text
    assert "after a card purchase" in history and "when you pressed Run now" in history
