"""After syncing a whole sandbox household over real HTTP (Monzo personal and joint,
American Express, Barclaycard, a NatWest current account), the spending per month
the API reports equals, to the penny, what the generator's own records say.

The expected figures come from the sandbox's side only: every transaction the
household holds (Monzo's, and TrueLayer's settled and still-pending rows, in each
provider's sign turned to the user's view), less what the truth endpoint
(`/_sandbox/users/demo/truth`) names as internal transfers, card repayments and
pot moves; declined payments never count; refunds (money back from a merchant)
reduce spending; money in from anyone else is income.

Until the classifier has looked at the rows, potwise reads a row by its sign
(money out is spending) except pot moves; the test then expects exactly that rule,
applied to the same records, so it still checks sync, local months, pending items
and declines to the penny.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Transaction
from potwise.domain.spending import add_months, month_key, month_start
from potwise.sandbox.app import create_sandbox_app
from potwise.sandbox.household import Household
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    signed_in,
    wait_for_run,
)
from tests.support.loopback import serve

pytestmark = pytest.mark.slow

LONDON = ZoneInfo("Europe/London")
MIRRORED_MONZO_TYPES = {"uk_retail", "uk_retail_joint"}
PROVIDERS = ("ob-amex", "uk-ob-barclaycard", "ob-natwest")


@dataclass(frozen=True)
class Row:
    """One transaction as the generator knows it, in the user's sign."""

    id: str
    at: datetime
    amount: int
    declined: bool
    from_merchant: bool


@contextmanager
def sandbox_with_world() -> Iterator[tuple[Sandbox, Household]]:
    """A sandbox on loopback whose clock stands still, and its demo household."""
    app = create_sandbox_app(seed=7, years=1, frozen_clock=True)
    with serve(app) as url, httpx2.Client(base_url=url, timeout=30) as http:
        yield Sandbox(url=url, http=http), app.state.world.household("demo")


def _rows(household: Household) -> list[Row]:
    rows: list[Row] = []
    for account in household.monzo_accounts.values():
        if account.is_pot_ledger or account.type not in MIRRORED_MONZO_TYPES:
            continue
        rows.extend(
            Row(
                tx.id,
                tx.created,
                tx.amount,  # Monzo's sign is the user's
                tx.decline_reason is not None,
                tx.merchant is not None,
            )
            for tx in account.txs
        )
    for tl in household.tl_accounts.values():
        # Cards report the issuer's view (a purchase is positive); accounts the bank's.
        sign = -1 if tl.kind == "card" else 1
        rows.extend(
            Row(t.transaction_id, t.timestamp, sign * t.amount, False, t.merchant_name is not None)
            for t in [*tl.settled, *tl.pending]
        )
    return rows


def _expected(rows: list[Row], truth: dict[str, Any], *, classified: bool) -> dict[str, int]:
    pot_moves = set(truth["pot_moves"])
    internal = pot_moves | set(truth["internal_transfers"]) | set(truth["card_repayments"])
    spent: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.declined:
            continue
        if classified:
            if row.id in internal:
                continue
            refund = row.amount > 0 and row.from_merchant
            if row.amount >= 0 and not refund:
                continue  # income
        elif row.id in pot_moves or row.amount >= 0:
            continue  # by sign: money in is income; pot moves are recognised
        spent[month_key(row.at.astimezone(LONDON).date())] -= row.amount
    return dict(spent)


def _connect_household(client: TestClient, sandbox: Sandbox) -> None:
    assert connect(client, sandbox, "monzo").status_code == 303
    sandbox.approve_monzo()
    [monzo] = client.get("/api/v1/connections").json()["items"]
    assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
    for provider in PROVIDERS:
        landed = connect(client, sandbox, "truelayer", sandbox_provider=provider)
        assert landed.status_code == 303, landed.text
    for connection in client.get("/api/v1/connections").json()["items"]:
        wait_for_run(client, connection["id"])
        assert connection["status"] == "active", connection


def _classification_settled(db: Session, timeout: float = 30.0) -> bool:
    """Whether the rows were classified, once the classifier (which reacts to the end
    of each sync, after the run is marked finished) is done: every row classified, or
    none for a while (no classifier installed)."""
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    while True:
        db.expire_all()
        total = db.scalar(select(func.count()).select_from(Transaction)) or 0
        classified = (
            db.scalar(
                select(func.count())
                .select_from(Transaction)
                .where(Transaction.classification.is_not(None))
            )
            or 0
        )
        if total and classified == total:
            return True
        if classified:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 3:
            return False
        assert time.monotonic() < deadline, f"{classified} of {total} rows classified"
        time.sleep(0.1)


def test_spending_per_month_equals_the_generators_records_to_the_penny(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with sandbox_with_world() as (sandbox, household), sandbox.our_clock_in_step():
        client = signed_in(product(tmp_path, database_url, engine, sandbox))
        _connect_household(client, sandbox)
        classified = _classification_settled(db)
        truth = sandbox.http.get("/_sandbox/users/demo/truth").raise_for_status().json()
        rows = _rows(household)
        today = sandbox.now().astimezone(LONDON).date()

        # The household opens its accounts (balance transfer, opening deposits) in its
        # first month: compare every whole month after that, up to this one.
        first = min(r.at for r in rows).astimezone(LONDON).date()
        since = add_months(month_start(first), 1)
        until = add_months(month_start(today), 1)
        body = client.get(
            "/api/v1/analytics/spending",
            params={"group_by": "month", "since": since.isoformat(), "until": until.isoformat()},
        ).json()

    expected = _expected(rows, truth, classified=classified)
    reported = {g["key"]: g["amount"] for g in body["groups"]}
    months = [month_key(add_months(since, i)) for i in range(len(reported))]
    assert list(reported) == months
    assert len(months) >= 11
    assert reported == {m: expected.get(m, 0) for m in months}
    assert body["total"] == sum(expected.get(m, 0) for m in months)
    # Something real was measured: card and cash spending, and pending card payments.
    assert all(g["card"] > 0 and g["cash"] > 0 for g in body["groups"][:-1])
    assert sum(g["pending_count"] for g in body["groups"]) > 0
