"""A salary sorter, a sweep and a top-up against the bank sandbox over HTTP: pay is
shared out once however often it is announced, a sweep moves what is above its
threshold, a top-up refills the account, and rules that would fight are refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.clock import FixedClock, using
from potwise.db.models import Transfer
from potwise.services.automations import triggers
from potwise.services.connections import ConnectionsContext
from tests.support.harness import (
    Sandbox,
    connect_monzo,
    running_sandbox,
    served_product,
    wait_until,
)


@dataclass
class Home:
    browser: httpx2.Client
    sandbox: Sandbox
    pots: dict[str, dict[str, Any]]
    monzo_account: str
    ctx: ConnectionsContext

    def ledger(self) -> list[dict[str, Any]]:
        return list(self.sandbox.http.get("/_sandbox/users/demo/ledger").json()["moves"])

    def rule(self, kind: str, config: dict[str, Any], name: str = "rule") -> dict[str, Any]:
        created = self.browser.post(
            "/api/v1/automations", json={"kind": kind, "name": name, "config": config}
        )
        assert created.status_code == 201, created.text
        return dict(created.json())

    def current_balance(self) -> int:
        accounts = self.browser.get("/api/v1/accounts").json()["items"]
        return int(next(a["balance"] for a in accounts if a["external_id"] == self.monzo_account))


@pytest.fixture
def home(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[Home]:
    with (
        running_sandbox(webhook_retry_base=0.05) as sandbox,
        served_product(tmp_path, database_url, engine, sandbox, "kinds@example.com") as (
            app,
            browser,
        ),
    ):
        connect_monzo(browser, sandbox)
        assert browser.post("/api/v1/sync").status_code == 200
        pots = {p["name"]: p for p in browser.get("/api/v1/pots").json()["items"]}
        monzo_account = next(
            a["id"]
            for a in sandbox.household()["monzo"]["accounts"]
            if a["type"] == "uk_retail" and not a["closed"]
        )
        yield Home(browser, sandbox, pots, monzo_account, app.state.connections)


def _transfers(db: Session, rule_id: str) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).where(Transfer.automation_id == rule_id)) or 0)


def test_pay_is_sorted_once_though_the_webhook_and_a_sync_both_bring_it(
    home: Home, db: Session
) -> None:
    rule = home.rule(
        "autosort",
        {
            "income": "payer",
            "payer": "ACME PAYROLL",
            "min_amount": "£1,000",
            "steps": [
                {"pot_id": home.pots["Holiday"]["id"], "kind": "fixed", "amount": "£250"},
                {"pot_id": home.pots["Bills"]["id"], "kind": "percent", "percent": "10"},
            ],
        },
        name="Payday",
    )
    moves = len(home.ledger())
    home.sandbox.add_transaction(
        bank="monzo",
        account=home.monzo_account,
        amount=245_000,
        kind="income",
        description="Acme Payroll",
        pending=False,
    )
    sorted_moves = wait_until(
        lambda: (
            [m for m in home.ledger()[moves:] if m["direction"] == "deposit"]
            if len(home.ledger()[moves:]) >= 2
            else None
        ),
        "the pay to be shared out",
    )
    assert sorted([m["amount"] for m in sorted_moves]) == [24_500, 25_000]
    # A sync brings the same credit again; a run by hand looks at it again too.
    assert home.browser.post("/api/v1/sync").status_code == 200
    again = home.browser.post(f"/api/v1/automations/{rule['id']}/run").json()
    assert again["status"] == "nothing", again["explanation"]
    time.sleep(1.0)
    assert len(home.ledger()[moves:]) == 2
    assert _transfers(db, rule["id"]) == 2


def test_a_sweep_moves_what_is_above_its_threshold_in_whole_pounds(home: Home) -> None:
    balance = home.current_balance()
    threshold = max(0, balance - 12_345)
    rule = home.rule(
        "sweep",
        {
            "pot_id": home.pots["Holiday"]["id"],
            "threshold": threshold,
            "keep_for_bills": False,
            "schedule": "daily",
            "time": "00:00",
        },
        name="Sweep",
    )
    preview = home.browser.post(f"/api/v1/automations/{rule['id']}/preview").json()
    assert [t["amount"] for t in preview["transfers"]] == [12_300], preview["explanation"]
    ran = home.browser.post(f"/api/v1/automations/{rule['id']}/run").json()
    assert ran["status"] == "moved", ran["explanation"]
    assert [(t["direction"], t["amount"]) for t in ran["transfers"]] == [("deposit", 12_300)]
    assert "Current account and pots read live at" in ran["explanation"]
    # The slot is handled: a second run today moves nothing.
    again = home.browser.post(f"/api/v1/automations/{rule['id']}/run").json()
    assert again["status"] == "nothing", again["explanation"]


def test_a_top_up_refills_the_account_and_a_sweep_that_would_fight_it_is_refused(
    home: Home,
) -> None:
    balance = home.current_balance()
    holiday = home.pots["Holiday"]
    assert holiday["balance"] >= 5_000
    rule = home.rule(
        "topup",
        {"pot_id": holiday["id"], "floor": balance + 1, "target": balance + 5_000},
        name="Top-up",
    )
    ran = home.browser.post(f"/api/v1/automations/{rule['id']}/run").json()
    assert ran["status"] == "moved", ran["explanation"]
    assert [(t["direction"], t["amount"]) for t in ran["transfers"]] == [("withdraw", 5_000)]
    refused = home.browser.post(
        "/api/v1/automations",
        json={
            "kind": "sweep",
            "name": "Sweep",
            "config": {"pot_id": holiday["id"], "threshold": balance},
        },
    )
    assert refused.status_code == 409, refused.text
    assert "\u201cTop-up\u201d" in refused.json()["error"]["message"]


def test_a_rule_on_a_credit_card_pot_is_refused_and_a_bad_amount_named(home: Home) -> None:
    card_pot = home.pots["Credit card"]["id"]
    bad = home.browser.post(
        "/api/v1/automations",
        json={"kind": "sweep", "name": "x", "config": {"pot_id": card_pot, "threshold": "12.345"}},
    )
    assert bad.status_code in (400, 422), bad.text
    assert "config.threshold" in bad.json()["error"]["message"]


def test_the_clock_runs_a_sweep_at_its_time_and_not_again_that_day(home: Home) -> None:
    balance = home.current_balance()
    rule = home.rule(
        "sweep",
        {
            "pot_id": home.pots["Holiday"]["id"],
            "threshold": max(0, balance - 10_000),
            "keep_for_bills": False,
            "time": "20:00",
        },
    )
    created = datetime.fromisoformat(rule["created_at"]).astimezone(UTC)
    slot = created.astimezone(ZoneInfo("Europe/London")).replace(
        hour=20, minute=0, second=0, microsecond=0
    )
    if slot <= created:
        slot += timedelta(days=1)
    minute = timedelta(minutes=1)
    assert rule["id"] not in triggers.due_rule_ids(home.ctx, slot - minute)
    assert rule["id"] in triggers.due_rule_ids(home.ctx, slot + minute)
    with using(FixedClock(slot + minute)):
        triggers.run_due(home.ctx)
    runs = home.browser.get(f"/api/v1/automations/{rule['id']}/runs").json()["items"]
    assert [(r["trigger"], r["status"]) for r in runs] == [("schedule", "moved")], runs[0][
        "explanation"
    ]
    assert rule["id"] not in triggers.due_rule_ids(home.ctx, slot + 2 * minute)
