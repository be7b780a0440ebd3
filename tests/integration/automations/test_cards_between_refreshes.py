"""Between card refreshes: a rule woken by a Monzo webhook decides on the mirror and
spends no TrueLayer call, a card repayment seen on Monzo gives the pot's money back
at once, and the rules' own pot moves coming back by webhook wake nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import AutomationRun, SyncRun, UnattendedCall
from potwise.services import leases
from tests.support.harness import (
    Sandbox,
    amex_pot_rule,
    connect,
    connect_monzo,
    running_sandbox,
    served_product,
    wait_until,
)


@dataclass
class Live:
    browser: httpx2.Client
    sandbox: Sandbox
    rule_id: str
    card: dict[str, Any]
    pot: dict[str, Any]
    monzo_account: str

    def runs(self) -> list[dict[str, Any]]:
        return list(self.browser.get(f"/api/v1/automations/{self.rule_id}/runs").json()["items"])

    def ledger(self) -> list[dict[str, Any]]:
        return list(self.sandbox.http.get("/_sandbox/users/demo/ledger").json()["moves"])


@pytest.fixture
def live(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[Live]:
    with (
        running_sandbox(webhook_retry_base=0.05) as sandbox,
        served_product(tmp_path, database_url, engine, sandbox, "live@example.com") as (
            _,
            browser,
        ),
    ):
        connect_monzo(browser, sandbox)
        connect(browser, sandbox, "truelayer", sandbox_provider="ob-amex")
        card = wait_until(
            lambda: next(
                (
                    a
                    for a in browser.get("/api/v1/accounts").json()["items"]
                    if a["kind"] == "credit_card" and a["balance"] is not None
                ),
                None,
            ),
            "the card's first sync",
        )
        pot = next(
            p for p in browser.get("/api/v1/pots").json()["items"] if p["name"] == "Credit card"
        )
        rule = amex_pot_rule(browser, card)
        monzo_account = next(
            a["id"]
            for a in sandbox.household()["monzo"]["accounts"]
            if a["type"] == "uk_retail" and not a["closed"]
        )
        live = Live(browser, sandbox, rule["id"], card, pot, monzo_account)
        first = browser.post(f"/api/v1/automations/{live.rule_id}/run").json()
        assert first["status"] in ("moved", "nothing"), first
        yield live


def _count(db: Session, model: type, *where: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_webhook_run_spends_no_card_call_and_a_repayment_returns_the_money(
    live: Live, db: Session
) -> None:
    card_calls = _count(db, UnattendedCall)
    card_syncs = _count(db, SyncRun, SyncRun.connection_id == live.card["connection_id"])
    in_pot = live.sandbox.household()["monzo"]["pots"]
    before = next(p["balance"] for p in in_pot if p["id"] == live.pot["external_id"])
    assert before >= 5000, "the pot must hold enough for the repayment to come back"
    moves = len(live.ledger())

    # Coffee on Monzo: the webhook wakes the rule, which decides on the mirror.
    live.sandbox.add_transaction(
        bank="monzo",
        account=live.monzo_account,
        amount=340,
        kind="purchase",
        description="Coffee",
        pending=True,
    )
    woken = wait_until(
        lambda: [r for r in live.runs() if r["trigger"] == "webhook"], "a run by webhook"
    )
    assert woken[0]["status"] == "nothing", woken[0]
    assert "Cards as last read from the bank" in woken[0]["explanation"]
    assert _count(db, UnattendedCall) == card_calls
    assert _count(db, SyncRun, SyncRun.connection_id == live.card["connection_id"]) == card_syncs

    # £50 paid to American Express by Direct Debit from Monzo: the card will show it
    # a day later; the pot gives the £50 back now.
    live.sandbox.add_transaction(
        bank="monzo",
        account=live.monzo_account,
        amount=5000,
        kind="repayment",
        description="American Express",
        pending=False,
    )
    withdrawn = wait_until(
        lambda: [
            m for m in live.ledger()[moves:] if m["direction"] == "withdraw" and m["amount"] == 5000
        ],
        "the pot to give the repayment back",
    )
    assert len(withdrawn) == 1
    # The run is recorded once the bank has answered the move.
    wait_until(
        lambda: [
            r
            for r in live.runs()
            if r["status"] == "moved"
            and "is counted as paid; the card does not show it yet" in r["explanation"]
        ],
        "the run that gave the repayment back, with its words",
    )
    assert _count(db, UnattendedCall) == card_calls

    # The withdrawal comes back by webhook as a pot move of ours: it wakes no rule.
    time.sleep(1.0)
    webhook_runs = _count(db, AutomationRun, AutomationRun.trigger == "webhook")
    assert webhook_runs == 2, [(r["trigger"], r["status"]) for r in live.runs()]


def test_run_now_waits_for_a_card_read_in_progress_and_then_reads_the_card_itself(
    live: Live, db: Session, engine: Engine
) -> None:
    """A sync of the card's connection that began before the purchase holds its lease
    when the user presses "Run now": the run waits for it, then reads the card itself,
    so the purchase it could not have seen is covered."""
    key = f"sync:{live.card['connection_id']}"
    assert leases.try_acquire(db, key, "an earlier sync", timedelta(minutes=5))
    live.sandbox.add_transaction(
        bank="ob-amex",
        account=live.card["external_id"],
        amount=2500,
        kind="purchase",
        description="BOUGHT DURING A SYNC",
        pending=True,
    )

    def finish_the_earlier_sync() -> None:
        time.sleep(1.0)
        with Session(engine) as other:
            leases.release(other, key, "an earlier sync")

    releaser = threading.Thread(target=finish_the_earlier_sync)
    releaser.start()
    try:
        ran = live.browser.post(f"/api/v1/automations/{live.rule_id}/run", timeout=60).json()
    finally:
        releaser.join()
    assert ran["status"] == "moved", ran["explanation"]
    assert "£25.00" in ran["explanation"], ran["explanation"]
