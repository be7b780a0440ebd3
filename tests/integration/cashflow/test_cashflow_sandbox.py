"""Safe to spend and the forecast for a household synced from the bank sandbox.

The product syncs a year of the sandbox's demo household over real HTTP (Monzo,
American Express, a NatWest current account), classifies it as after any sync,
and then answers the cash-flow endpoints from what it mirrored: the cash lines are
the current accounts' balances, the breakdown sums to the figure, the payday is
the household's salary day, and the forecast starts from today's balance.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Transaction
from potwise.domain.calendar import DEFAULT_CALENDAR
from tests.integration.cashflow.builders import LONDON
from tests.support.harness import (
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)

pytestmark = pytest.mark.slow


def _wait_classified(db: Session, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        db.expire_all()
        left = db.scalar(
            select(func.count())
            .select_from(Transaction)
            .where(Transaction.classification.is_(None))
        )
        if left == 0:
            return
        assert time.monotonic() < deadline, f"{left} transactions still unclassified"
        time.sleep(0.2)


def test_synced_household_gets_safe_to_spend_and_a_forecast(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with running_sandbox(frozen_clock=True) as sandbox, sandbox.our_clock_in_step():
        client = signed_in(product(tmp_path, database_url, engine, sandbox))
        assert connect(client, sandbox, "monzo").status_code == 303
        sandbox.approve_monzo()
        [monzo] = client.get("/api/v1/connections").json()["items"]
        assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
        wait_for_run(client, monzo["id"], timeout=300)
        for provider in ("ob-amex", "ob-natwest"):
            assert connect(client, sandbox, "truelayer", provider).status_code == 303
        for connection in client.get("/api/v1/connections").json()["items"]:
            wait_for_run(client, connection["id"], timeout=300)
        _wait_classified(db)
        today = sandbox.now().astimezone(LONDON).date()

        accounts = client.get("/api/v1/accounts").json()["items"]
        cash = {
            a["name"]: a["balance"]
            for a in accounts
            if a["kind"] in ("current", "joint") and not a["closed"] and a["balance"] is not None
        }
        assert cash

        safe = client.get("/api/v1/analytics/safe-to-spend")
        assert safe.status_code == 200, safe.text
        body = safe.json()
        assert sum(line["amount"] for line in body["breakdown"]) == body["amount"]
        assert {
            line["label"]: line["amount"] for line in body["breakdown"] if line["kind"] == "cash"
        } == cash
        assert body["payday_source"] == "detected"
        expected = DEFAULT_CALENDAR.payday_in_month(today.year, today.month, 25)
        if expected <= today:
            month = today.month % 12 + 1
            expected = DEFAULT_CALENDAR.payday_in_month(today.year + (month == 1), month, 25)
        incoming = [
            (c["payee"], c["amount"], c["cadence"], c["day_of_month"], c["next_date"])
            for c in client.get("/api/v1/analytics/commitments").json()["items"]
            if c["direction"] == "in"
        ]
        assert body["next_payday"] == expected.isoformat(), incoming
        assert body["cards_owed"] >= 0

        forecast = client.get("/api/v1/analytics/forecast?days=366")
        assert forecast.status_code == 200, forecast.text
        days = forecast.json()["days"]
        assert len(days) == 367
        assert days[0]["date"] == today.isoformat()
        assert days[0]["balance"] == sum(cash.values())
        incomes = [i for d in days for i in d["items"] if i["kind"] == "income"]
        assert len(incomes) >= 11  # a year of monthly pay at least

        commitments = client.get("/api/v1/analytics/commitments").json()["items"]
        assert any(c["direction"] == "in" and c["status"] == "detected" for c in commitments)
        for page in ("/", "/forecast?days=366", "/commitments", "/planned"):
            assert client.get(page).status_code == 200, page
