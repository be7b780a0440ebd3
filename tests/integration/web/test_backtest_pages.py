"""The backtest pages over HTTP, against the sandbox: a household with a year of history,
its Monzo and its Amex connected and synced. A saved rule's backtest page (the chart,
the summary, the moves), the months offered, another user's rule, a refusal said in
words, and a rule form backtested before it is saved: nothing is ever written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from potwise.db.models import Automation, AutomationRun, Transaction, Transfer
from potwise.domain.money import Money
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    settle,
    signed_in,
    wait_for_run,
)


@dataclass
class Home:
    client: TestClient
    sandbox: Sandbox
    pots: dict[str, dict[str, Any]]
    card: dict[str, Any]

    def rule(self, kind: str, name: str, config: dict[str, Any]) -> str:
        created = self.client.post(
            "/api/v1/automations", json={"kind": kind, "name": name, "config": config}
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    def api_backtest(self, kind: str, config: dict[str, Any], months: int) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/automations/backtest",
            json={"rule": {"kind": kind, "config": config}, "months": months},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def home(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[Home]:
    with running_sandbox() as sandbox:
        client = signed_in(product(tmp_path, database_url, engine, sandbox))
        assert connect(client, sandbox, "monzo").status_code == 303
        sandbox.approve_monzo()
        monzo = client.get("/api/v1/connections").json()["items"][0]
        assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
        assert connect(client, sandbox, "truelayer", sandbox_provider="ob-amex").status_code == 303
        for connection in client.get("/api/v1/connections").json()["items"]:
            wait_for_run(client, connection["id"])
        settle(client)
        pots = {p["name"]: p for p in client.get("/api/v1/pots").json()["items"]}
        card = next(
            a for a in client.get("/api/v1/accounts").json()["items"] if a["kind"] == "credit_card"
        )
        yield Home(client, sandbox, pots, card)


def _written(db: Session) -> dict[str, Any]:
    """What a backtest must leave as it was: the rules, their configs, runs and moves."""
    db.expire_all()
    return {
        "rules": sorted((r.id, r.name, str(r.config)) for r in db.scalars(select(Automation))),
        "runs": db.scalar(select(func.count()).select_from(AutomationRun)),
        "transfers": db.scalar(select(func.count()).select_from(Transfer)),
    }


def _chart(page: str) -> str:
    found = re.search(r'<svg class="backtest-chart".*?</svg>\s*<ul', page, re.S)
    assert found, "the page draws the balance chart"
    return found.group(0)


def _move_rows(page: str) -> list[str]:
    table = re.search(r'<table class="backtest-table backtest-moves">(.*?)</table>', page, re.S)
    if table is None:
        return []
    body = table.group(1).split("<tbody>", 1)[1]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def _text(html: str) -> str:
    """The words of some HTML, its tags and runs of spaces gone."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _pounds(minor: int) -> str:
    return Money(minor, "GBP").format()


SWEEP = {"threshold": 50_000, "time": "20:00"}


def test_a_saved_sweeps_backtest_shows_its_chart_summary_and_moves(home: Home, db: Session) -> None:
    config = {"pot_id": home.pots["Holiday"]["id"], **SWEEP}
    rule_id = home.rule("sweep", "Evening sweep", config)
    rule_page = home.client.get(f"/automations/{rule_id}").text
    assert f'action="/automations/{rule_id}/backtest"' in rule_page
    assert '<option value="6" selected>' in rule_page
    before = _written(db)

    page = home.client.get(f"/automations/{rule_id}/backtest")  # six months unless asked
    assert page.status_code == 200, page.text
    truth = home.api_backtest("sweep", config, 6)
    summary = truth["summary"]
    chart = _chart(page.text)
    assert len(re.findall(r"<polyline ", chart)) == 2  # with the rule, and without it
    assert 'class="backtest-zero"' in chart
    for lowest in (summary["lowest"], summary["lowest_without_rule"]):
        assert _pounds(lowest["balance"]) in chart  # each low point is marked, with its words
    words = _text(page.text)
    assert (
        f"{summary['count']} moves: {_pounds(summary['moved_in'])} into pots and "
        f"{_pounds(summary['moved_out'])} back out."
    ) in words
    assert f"Lowest balance {_pounds(summary['lowest']['balance'])} with the rule" in words
    rows = _move_rows(page.text)
    assert summary["count"] > 0 and len(rows) == summary["count"]
    first = _text(rows[0])
    move = truth["moves"][0]
    assert "Holiday" in first and "Into the pot" in first and _pounds(move["amount"]) in first
    assert move["reason"] in first
    assert _written(db) == before

    twelve = home.client.get(f"/automations/{rule_id}/backtest?months=12")
    assert twelve.status_code == 200
    assert "over the last 12 months" in twelve.text
    assert '<option value="12" selected>' in twelve.text
    assert (
        len(_move_rows(twelve.text)) == home.api_backtest("sweep", config, 12)["summary"]["count"]
    )


@pytest.mark.parametrize("months", ["7", "0", "six", "-3"], ids=["seven", "zero", "words", "minus"])
def test_a_period_not_offered_is_refused_politely(home: Home, months: str) -> None:
    rule_id = home.rule("sweep", "Evening sweep", {"pot_id": home.pots["Holiday"]["id"], **SWEEP})
    page = home.client.get(f"/automations/{rule_id}/backtest?months={months}")
    assert page.status_code == 400
    assert "A backtest covers the last 3, 6 or 12 months" in page.text
    assert 'action="/automations/' in page.text  # the periods offered, to choose again
    assert '<svg class="backtest-chart"' not in page.text


def test_another_users_rule_is_not_found(home: Home, db: Session) -> None:
    rule_id = home.rule("sweep", "Evening sweep", {"pot_id": home.pots["Holiday"]["id"], **SWEEP})
    other = signed_in(home.client.app, "other@example.com")  # type: ignore[arg-type]
    assert other.get(f"/automations/{rule_id}/backtest").status_code == 404
    sneaked = other.post(
        "/automations/backtest-preview",
        data={"rule_id": rule_id, "name": "Mine now", "months": "3"},
    )
    assert sneaked.status_code == 404
    db.expire_all()
    assert db.get(Automation, rule_id).name == "Evening sweep"  # type: ignore[union-attr]


def _sweep_form(home: Home, **overrides: str) -> dict[str, str]:
    data = {
        "kind": "sweep",
        "name": "Sweep to try",
        "pot_id": home.pots["Holiday"]["id"],
        "threshold": "£500",
        "keep_for_bills": "1",
        "schedule": "daily",
        "time": "20:00",
        "round_to": "100",
        "max_transfer": "1,000",
        "max_per_day": "1,000",
        "enabled": "1",
        "months": "3",
    }
    data.update(overrides)
    return data


def test_a_form_backtested_before_saving_saves_nothing(home: Home, db: Session) -> None:
    form = home.client.get("/automations/new?kind=sweep").text
    assert 'formaction="/automations/backtest-preview"' in form
    before = _written(db)

    page = home.client.post("/automations/backtest-preview", data=_sweep_form(home))
    assert page.status_code == 200, page.text
    assert "Backtest: Sweep to try" in page.text and "not saved yet" in page.text
    assert len(re.findall(r"<polyline ", _chart(page.text))) == 2
    config = {
        "pot_id": home.pots["Holiday"]["id"],
        "threshold": 50_000,
        "keep_for_bills": True,
        "schedule": "daily",
        "time": "20:00",
        "round_to": 100,
        "max_transfer": 100_000,
        "max_per_day": 100_000,
    }
    truth = home.api_backtest("sweep", config, 3)
    assert len(_move_rows(page.text)) == truth["summary"]["count"]
    # The values go on with each button: to save, or to change them.
    assert '<input type="hidden" name="threshold" value="£500">' in page.text
    assert 'formaction="/automations/new"' in page.text
    assert _written(db) == before

    back = home.client.post("/automations/backtest-preview", data=_sweep_form(home, back="1"))
    assert back.status_code == 200
    assert 'value="Sweep to try"' in back.text and 'value="£500"' in back.text

    refused = home.client.post(
        "/automations/backtest-preview", data=_sweep_form(home, threshold="12.345")
    )
    assert refused.status_code == 400
    assert 'id="threshold-error"' in refused.text and "nothing was saved" in refused.text
    assert "backtest-chart" not in refused.text
    # What the service refuses past the form's own checks shows on the form too.
    too_late = home.client.post(
        "/automations/backtest-preview", data=_sweep_form(home, time="23:45")
    )
    assert too_late.status_code == 400
    assert "a sweep&#39;s time is at the latest 23:30" in too_late.text
    assert 'value="23:45"' in too_late.text and "backtest-chart" not in too_late.text
    assert _written(db) == before


def test_an_edited_rule_is_backtested_as_typed_and_left_as_it_was(home: Home, db: Session) -> None:
    rule_id = home.rule("sweep", "Evening sweep", {"pot_id": home.pots["Holiday"]["id"], **SWEEP})
    edit = home.client.get(f"/automations/{rule_id}/edit").text
    assert f'<input type="hidden" name="rule_id" value="{rule_id}">' in edit
    before = _written(db)
    page = home.client.post(
        "/automations/backtest-preview",
        data=_sweep_form(home, rule_id=rule_id, kind="", threshold="£2,000", months="6"),
    )
    assert page.status_code == 200, page.text
    assert f'formaction="/automations/{rule_id}/edit"' in page.text
    assert "Save changes" in page.text
    assert _written(db) == before


def test_a_refused_backtest_is_said_in_words_on_the_page(home: Home, db: Session) -> None:
    config = {"pot_id": home.pots["Credit card"]["id"], "card_account_ids": [home.card["id"]]}
    rule_id = home.rule("card_pot", "Amex pot", config)
    # The mirror holds the card's last month only (a bank that gives 90 days, say).
    db.execute(
        delete(Transaction).where(
            Transaction.account_id == home.card["id"],
            Transaction.created_at < datetime.now(UTC) - timedelta(days=30),
        )
    )
    db.commit()
    page = home.client.get(f"/automations/{rule_id}/backtest?months=3")
    assert page.status_code == 200
    refusal = re.search(r'<p id="backtest-refusal">([^<]*)</p>', page.text)
    assert refusal and "needs the card history" in refusal.group(1)
    assert "backtest-chart" not in page.text

    form = {
        "kind": "card_pot",
        "name": "Amex pot again",
        "pot_id": home.pots["Credit card"]["id"],
        "card_account_ids": home.card["id"],
        "cooldown_hours": "3",
        "max_transfer": "1,000",
        "max_per_day": "3,000",
        "months": "3",
    }
    preview = home.client.post("/automations/backtest-preview", data=form)
    assert preview.status_code == 200
    assert "needs the card history" in preview.text and "not saved yet" in preview.text
