"""Commitment detection scored against the bank sandbox's truth, over real HTTP.

A 3-year household is synced by the product (the real OAuth flows, the Monzo
and TrueLayer APIs on loopback), classified as after any sync, read back from
the mirror and handed to `potwise.domain.recurring`. The sandbox's truth
(`GET /_sandbox/users/{user}/truth`) lists every recurring series it generated
with its transaction ids. Series made only of internal movements (transfers
between the household's own accounts, card repayments, pot moves) are left out
of the score: detection excludes them by design (cards are modelled from their
balances, transfers net out).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, DirectDebit, StandingOrder, Transaction
from potwise.domain.calendar import DEFAULT_CALENDAR
from potwise.domain.merchants import merchant_key, merchant_key_for
from potwise.domain.payday import next_payday, payday_rule
from potwise.domain.recurring import DetectedCommitment, Mandate, TxnFact, detect_commitments
from potwise.domain.schedules import Cadence
from potwise.sandbox.app import create_sandbox_app
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    signed_in,
    wait_for_run,
)
from tests.support.loopback import serve

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.slow


@pytest.fixture
def sandbox_app() -> FastAPI:
    return create_sandbox_app(seed=7, years=3, frozen_clock=True)


@pytest.fixture
def sandbox(sandbox_app: FastAPI) -> Iterator[Sandbox]:
    with serve(sandbox_app) as url, httpx2.Client(base_url=url, timeout=60) as http:
        yield Sandbox(url=url, http=http)


def _as_mirrored(sandbox_app: FastAPI) -> dict[str, str]:
    """TrueLayer's `transaction_id` (the truth's ids) → the id the product keeps.

    The product keeps the most stable id TrueLayer gives (the normalised
    provider id, else the provider's id; see `banks.truelayer.mapping`); this
    reads the sandbox's own rows to translate the truth, nothing else.
    """
    household = sandbox_app.state.world.household("demo")
    return {
        row.transaction_id: row.normalised_id or row.provider_tx_id or row.transaction_id
        for account in household.tl_accounts.values()
        for row in account.settled
    }


def _sync_everything(client: TestClient, sandbox: Sandbox) -> None:
    landed = connect(client, sandbox, "monzo")
    assert landed.status_code == 303, landed.text
    sandbox.approve_monzo()
    [monzo] = client.get("/api/v1/connections").json()["items"]
    approved = client.post(f"/api/v1/connections/{monzo['id']}/approval")
    assert approved.json()["approved"] is True
    wait_for_run(client, monzo["id"], timeout=300)
    for provider in ("ob-amex", "uk-ob-barclaycard", "ob-natwest"):
        landed = connect(client, sandbox, "truelayer", sandbox_provider=provider)
        assert landed.status_code == 303, landed.text
    for connection in client.get("/api/v1/connections").json()["items"]:
        wait_for_run(client, connection["id"], timeout=300)


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
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} transactions still unclassified")
        time.sleep(0.2)


def _facts(db: Session) -> list[TxnFact]:
    rows = db.execute(
        select(Transaction, Account.external_id).join(Account, Account.id == Transaction.account_id)
    ).all()
    out = []
    for tx, account in rows:
        if tx.status != "settled":
            continue
        payee = tx.merchant_key or merchant_key_for(tx.merchant, tx.counterparty, tx.description)
        out.append(
            TxnFact(
                id=tx.external_id,
                on=tx.created_at.replace(tzinfo=tx.created_at.tzinfo or UTC)
                .astimezone(LONDON)
                .date(),
                amount=tx.amount,
                payee=payee or "",
                account_id=account,
                description=tx.description,
                classification=tx.classification,
                currency=tx.currency,
            )
        )
    return out


def _mandates(db: Session) -> list[Mandate]:
    out = [
        Mandate(
            d.external_id,
            "direct_debit",
            merchant_key(d.payee) or "",
            d.account_id,
            None,
            None,
            d.last_date,
            (d.status or "active").lower() == "active",
        )
        for d in db.scalars(select(DirectDebit))
    ]
    out.extend(
        Mandate(
            s.external_id,
            "standing_order",
            merchant_key(s.payee) or "",
            s.account_id,
            -abs(s.amount),
            s.next_date,
        )
        for s in db.scalars(select(StandingOrder))
    )
    return out


def _true_series(truth: dict[str, Any], mirrored: dict[str, str]) -> dict[str, Any]:
    """The truth's recurring series by key, with the product's ids, internal movements
    left out."""

    def ids(values: list[str]) -> set[str]:
        return {mirrored.get(v, v) for v in values}

    internal = ids([*truth["internal_transfers"], *truth["card_repayments"], *truth["pot_moves"]])
    return {
        r["key"]: {**r, "transaction_ids": ids(r["transaction_ids"])}
        for r in truth["recurring"]
        if r["transaction_ids"] and not ids(r["transaction_ids"]) <= internal
    }


def _score(
    found: list[DetectedCommitment], series: dict[str, Any]
) -> tuple[dict[str, DetectedCommitment], list[DetectedCommitment]]:
    """Each true series matched by the commitment whose evidence is mostly its ids, and
    the commitments that match none."""
    matched: dict[str, Any] = {}
    false_positives = []
    for commitment in found:
        evidence = set(commitment.evidence)
        hits = [
            key
            for key, r in series.items()
            if 2 * len(evidence & set(r["transaction_ids"])) > len(evidence)
        ]
        if hits:
            matched[hits[0]] = commitment
        else:
            false_positives.append(commitment)
    return matched, false_positives


def _assert_payday(found: list[DetectedCommitment], truth: dict[str, Any], today: date) -> None:
    rule = payday_rule(found, today=today)
    assert rule is not None
    assert rule.payee == merchant_key(truth["payday"]["payee"])
    assert rule.amount == truth["payday"]["amount"]
    expected = DEFAULT_CALENDAR.payday_in_month(today.year, today.month, 25)
    if expected <= today:
        month = today.month % 12 + 1
        expected = DEFAULT_CALENDAR.payday_in_month(today.year + (month == 1), month, 25)
    assert next_payday(rule, today) == expected
    print(f"  payday: {rule.payee}, next {expected.isoformat()}")


def test_detection_finds_the_households_recurring_series(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    db: Session,
    sandbox: Sandbox,
    sandbox_app: FastAPI,
) -> None:
    client = signed_in(product(tmp_path, database_url, engine, sandbox))
    with sandbox.our_clock_in_step():
        _sync_everything(client, sandbox)
    _wait_classified(db)
    truth: dict[str, Any] = sandbox.http.get("/_sandbox/users/demo/truth").raise_for_status().json()
    today = sandbox.now().astimezone(LONDON).date()

    facts = _facts(db)
    started = time.perf_counter()
    found = detect_commitments(facts, today, mandates=_mandates(db))
    elapsed = time.perf_counter() - started

    series = _true_series(truth, _as_mirrored(sandbox_app))
    matched, false_positives = _score(found, series)
    recall = len(matched) / len(series)
    precision = (len(found) - len(false_positives)) / len(found)
    every_series = [r for r in truth["recurring"] if r["transaction_ids"]]
    print(
        f"\nrecurring detection: {len(facts)} transactions, {len(series)} true series "
        f"(of {len(every_series)}; the rest are internal movements), {len(found)} detected "
        f"in {elapsed * 1000:.0f} ms; recall {recall:.3f}, precision {precision:.3f}"
    )
    for key in sorted(set(series) - set(matched)):
        print(f"  missed: {key} {series[key]['payee']}")
    for commitment in false_positives:
        print(f"  false positive: {commitment.key} {commitment.evidence[:3]}")
    assert recall >= 0.95
    assert precision >= 0.95

    # Each series' amount and direction, where the truth has one amount now.
    for key, commitment in matched.items():
        r = series[key]
        assert commitment.direction == r["direction"], key
        assert commitment.active == r["active"], key
        assert abs(commitment.amount) == r["amount"], key
        assert set(commitment.evidence) <= set(r["transaction_ids"]), key

    disney = matched["disney"]
    assert not disney.active and disney.next_date is None and disney.missed
    council = matched["council_tax"]
    assert council.cadence is Cadence.MONTHLY_10_FROM_APRIL
    netflix = matched["netflix"]
    rises = [(c.on.isoformat(), abs(c.after)) for c in netflix.changes if c.is_rise]
    assert rises == [
        (a["from"], a["amount"]) for a in series["netflix"]["amounts"][1:]
    ]  # every price rise, with its date

    _assert_payday(found, truth, today)
