"""A backtest over HTTP, against the sandbox: a household with a year of history, its
Monzo and its Amex connected and synced. Each kind answers what it would have done
(the moves, a balance a day that ends where the account really is, warnings and a
summary), and nothing is written: no run, no transfer, no rule or state, no sync, the
mirror and the pots as they were."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from potwise.db.models import (
    Automation,
    AutomationRun,
    Commitment,
    Notice,
    Pot,
    SyncRun,
    Transaction,
    Transfer,
)
from potwise.domain.backtest import shift_months
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.harness import (
    Sandbox,
    connect,
    connect_monzo,
    running_sandbox,
    served_product,
    settle,
    wait_for_run,
    wait_until,
)

LONDON = ZoneInfo("Europe/London")


@dataclass
class Home:
    app: FastAPI
    browser: httpx2.Client
    sandbox: Sandbox
    pots: dict[str, dict[str, Any]]
    current: dict[str, Any]
    card: dict[str, Any]

    def backtest(self, kind: str, config: dict[str, Any], months: Any = 12) -> httpx2.Response:
        return self.browser.post(
            "/api/v1/automations/backtest",
            json={"rule": {"kind": kind, "config": config}, "months": months},
        )

    def settle(self) -> None:
        settle(self)  # type: ignore[arg-type]


@pytest.fixture
def home(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[Home]:
    with (
        running_sandbox() as sandbox,
        served_product(tmp_path, database_url, engine, sandbox, "backtest@example.com") as (
            app,
            browser,
        ),
    ):
        monzo = connect_monzo(browser, sandbox)
        wait_for_run(browser, monzo["id"])  # type: ignore[arg-type]
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
            timeout=60,
        )
        accounts = browser.get("/api/v1/accounts").json()["items"]
        current = next(a for a in accounts if a["kind"] == "current")
        pots = {p["name"]: p for p in browser.get("/api/v1/pots").json()["items"]}
        found = Home(app, browser, sandbox, pots, current, card)
        # What the first syncs set off (classification, bills) is done before a test counts.
        found.settle()
        yield found


def _written(db: Session) -> dict[str, Any]:
    """Everything a backtest must leave as it was."""
    db.expire_all()
    counts = {
        model.__tablename__: db.scalar(select(func.count()).select_from(model))
        for model in (Automation, AutomationRun, Transfer, Notice, SyncRun, Transaction, Commitment)
    }
    counts["pots"] = sorted(tuple(row) for row in db.execute(select(Pot.id, Pot.balance)))
    counts["latest_change"] = db.scalar(select(func.max(Transaction.updated_at)))
    return counts


def _days(months: int) -> int:
    today = datetime.now(UTC).astimezone(LONDON).date()
    return (today - shift_months(today, -months)).days + 1


def test_every_kind_answers_and_nothing_is_written(home: Home, db: Session) -> None:
    before = _written(db)
    pot, bills, card_pot = home.pots["Holiday"], home.pots["Bills"], home.pots["Credit card"]
    rules = {
        "sweep": {"pot_id": pot["id"], "threshold": "£500", "time": "20:00"},
        "topup": {"pot_id": pot["id"], "floor": 30_000, "target": 60_000},
        "autosort": {"steps": [{"pot_id": bills["id"], "kind": "percent", "percent": "10"}]},
        "goal": {
            "pot_id": pot["id"],
            "target_amount": 500_000,
            "target_date": "2030-01-01",
            "contribute_on_payday": True,
        },
        "card_pot": {"pot_id": card_pot["id"], "card_account_ids": [home.card["id"]]},
    }
    for kind, config in rules.items():
        for months in (3, 6, 12):
            response = home.backtest(kind, config, months)
            assert response.status_code == 200, (kind, months, response.text)
            _check_shape(response.json(), kind, months, home)
    assert _written(db) == before


def _check_shape(body: dict[str, Any], kind: str, months: int, home: Home) -> None:
    assert (body["kind"], body["months"], body["currency"]) == (kind, months, "GBP")
    balances = body["balances"]
    assert len(balances) == _days(months)
    days = [date.fromisoformat(b["date"]) for b in balances]
    assert days == sorted(days) and len(set(days)) == len(days)
    # Without the rule, the walk back from today's balance ends where the account is.
    assert balances[-1]["current_without_rule"] == home.current["balance"]
    summary = body["summary"]
    moved = sum(m["amount"] for m in body["moves"])
    assert summary["moved_in"] + summary["moved_out"] == moved
    assert summary["count"] == len(body["moves"])
    last = balances[-1]
    assert (
        last["current"] == last["current_without_rule"] - summary["moved_in"] + summary["moved_out"]
    )
    for move in body["moves"]:
        assert move["direction"] in ("deposit", "withdraw")
        assert move["amount"] > 0 and move["reason"] and move["explanation"]
        assert days[0] <= date.fromisoformat(move["date"]) <= days[-1]
        assert move["pot_id"] in last["pots"]
    for warning in body["warnings"]:
        assert warning["kind"] and warning["message"]


def test_a_sweep_moves_at_its_slots_into_its_pot(home: Home) -> None:
    pot = home.pots["Holiday"]
    body = home.backtest("sweep", {"pot_id": pot["id"], "threshold": 50_000}, 6).json()
    assert body["moves"], body["warnings"]
    for move in body["moves"]:
        local = datetime.fromisoformat(move["at"]).astimezone(LONDON)
        assert (local.hour, local.minute) == (20, 0)
        assert move["pot_id"] == pot["id"] and move["direction"] == "deposit"
    moved = body["summary"]["moved_in"]
    assert body["balances"][-1]["pots"][pot["id"]] == pot["balance"] + moved


def test_the_salary_is_sorted_once_per_pay(home: Home, db: Session) -> None:
    bills = home.pots["Bills"]
    config = {"steps": [{"pot_id": bills["id"], "kind": "fixed", "amount": 10_000}]}
    body = home.backtest("autosort", config, 12).json()
    truth = home.sandbox.http.get("/_sandbox/users/demo/truth").json()
    salary = max(
        (r for r in truth["recurring"] if r["direction"] == "in"), key=lambda r: r["amount"]
    )
    start = datetime.fromisoformat(body["start"])
    paid = db.scalars(
        select(Transaction.created_at).where(
            Transaction.external_id.in_(salary["transaction_ids"]),
            Transaction.account_id == home.current["id"],
            Transaction.created_at >= start,
        )
    ).all()
    assert paid, "the household is paid in the period"
    assert sorted(datetime.fromisoformat(m["at"]) for m in body["moves"]) == sorted(paid)
    assert {m["amount"] for m in body["moves"]} == {10_000}


#: Refused plainly, each by name: (the body, the status, words the message holds).
REFUSED: dict[str, tuple[dict[str, Any], int, str]] = {
    "months_not_offered": (
        {"rule": {"kind": "sweep", "config": {}}, "months": 5},
        422,
        "months: Input should be 3, 6 or 12",
    ),
    "unknown_kind": ({"rule": {"kind": "lottery", "config": {}}, "months": 3}, 422, "rule.kind"),
    "not_your_pot": (
        {"rule": {"kind": "sweep", "config": {"pot_id": "nope", "threshold": 1}}, "months": 3},
        400,
        "config.pot_id is not one of your pots.",
    ),
    "config_checked_as_a_new_rules": (
        {"rule": {"kind": "sweep", "config": {"threshold": 1}}, "months": 3},
        400,
        "config.pot_id: Field required",
    ),
}


def test_what_cannot_be_backtested_is_refused_plainly(home: Home) -> None:
    for name, (body, status, message) in REFUSED.items():
        response = home.browser.post("/api/v1/automations/backtest", json=body)
        assert response.status_code == status, (name, response.text)
        assert message in response.json()["error"]["message"], name


def test_a_card_pot_without_the_cards_history_is_refused(home: Home, db: Session) -> None:
    config = {"pot_id": home.pots["Credit card"]["id"], "card_account_ids": [home.card["id"]]}
    # The mirror holds the card's last month only (a bank that gives 90 days, say).
    db.execute(
        delete(Transaction).where(
            Transaction.account_id == home.card["id"],
            Transaction.created_at < datetime.now(UTC) - timedelta(days=30),
        )
    )
    db.commit()
    refused = home.backtest("card_pot", config, 3)
    assert refused.status_code == 400, refused.text
    assert "needs the card history" in refused.json()["error"]["message"]
    not_a_card = {**config, "card_account_ids": [home.current["id"]]}
    assert home.backtest("card_pot", not_a_card, 3).status_code == 400


def test_only_the_signed_in_users_pots(home: Home, tmp_path: Path) -> None:
    other = httpx2.Client(base_url=str(home.browser.base_url), timeout=30)
    account = {"email": "other@example.com", "password": GOOD_PASSWORD}
    other.post("/api/v1/auth/register", json=account)
    assert other.post("/api/v1/auth/login", json=account).status_code == 200
    pot = home.pots["Holiday"]
    response = other.post(
        "/api/v1/automations/backtest",
        json={
            "rule": {"kind": "sweep", "config": {"pot_id": pot["id"], "threshold": 1}},
            "months": 3,
        },
    )
    assert response.status_code == 400
    assert "not one of your pots" in response.json()["error"]["message"]
    other.close()


def test_a_running_rules_own_moves_are_left_out_of_its_backtest(home: Home) -> None:
    pot = home.pots["Holiday"]
    accounts = home.browser.get("/api/v1/accounts").json()["items"]
    balance = next(a["balance"] for a in accounts if a["id"] == home.current["id"])
    config = {
        "pot_id": pot["id"],
        "threshold": balance - 4_200,
        "keep_for_bills": False,
        "time": "00:00",
    }
    made = home.browser.post(
        "/api/v1/automations", json={"kind": "sweep", "name": "Sweep", "config": config}
    )
    assert made.status_code == 201, made.text
    rule = made.json()
    ran = home.browser.post(f"/api/v1/automations/{rule['id']}/run").json()
    assert ran["status"] == "moved", ran["explanation"]
    moved = sum(t["amount"] for t in ran["transfers"])
    home.settle()
    asked = {"rule": {"kind": "sweep", "config": rule["config"]}, "months": 3}
    counted = home.browser.post("/api/v1/automations/backtest", json=asked).json()
    alone = home.browser.post(
        "/api/v1/automations/backtest", json={**asked, "automation_id": rule["id"]}
    ).json()
    # Without its own move the account ends that much higher when the rule is not
    # applied: the replay's "without the rule" is the account as if it had never run.
    ends = counted["balances"][-1]["current_without_rule"]
    assert alone["balances"][-1]["current_without_rule"] == ends + moved
    stranger = home.browser.post(
        "/api/v1/automations/backtest", json={**asked, "automation_id": "not-a-rule"}
    )
    assert stranger.status_code == 404, stranger.text
