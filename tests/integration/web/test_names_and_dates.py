"""The demo household (Monzo, American Express, Barclaycard) synced from the sandbox:
one name per merchant, pot and provider on every page and in the API's display fields
(the bank's own words kept in the raw fields), and card transactions the bank dated
without a time shown by their date alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    settle,
    signed_in,
    wait_for_run,
)

pytestmark = pytest.mark.slow


@dataclass
class Household:
    client: TestClient
    sandbox: Sandbox

    def page(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, response.text[:500]
        return response.text

    def api(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"/api/v1{path}", params=params)
        assert response.status_code == 200, response.text[:500]
        return response.json()


@pytest.fixture
def household(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[Household]:
    with running_sandbox(frozen_clock=True) as sandbox, sandbox.our_clock_in_step():
        client = signed_in(product(tmp_path, database_url, engine, sandbox))
        assert connect(client, sandbox, "monzo").status_code == 303
        sandbox.approve_monzo()
        [monzo] = client.get("/api/v1/connections").json()["items"]
        assert client.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
        for provider in ("ob-amex", "uk-ob-barclaycard"):
            assert connect(client, sandbox, "truelayer", provider).status_code == 303
        for connection in client.get("/api/v1/connections").json()["items"]:
            wait_for_run(client, connection["id"], timeout=300)
        settle(client)
        yield Household(client, sandbox)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pot_moves_are_named_by_their_pot(household: Household) -> None:
    pots = {p["external_id"]: p["name"] for p in household.api("/pots")["items"]}
    items = household.api("/transactions", limit=500)["items"]
    moves = [t for t in items if t["pot_external_id"]]
    assert moves
    for t in moves:
        way = "Into" if t["amount"] < 0 else "Out of"
        assert t["display_name"] == f"{way} your {pots[t['pot_external_id']]} pot"
        assert t["description"].startswith("pot_")  # the raw field, as Monzo sent it
    changed = household.client.patch(
        f"/api/v1/transactions/{moves[0]['id']}", json={"category": "savings"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["display_name"] == moves[0]["display_name"]
    pairs = household.api("/internal-pairs")["items"]
    assert all(
        half["display_name"] and not half["display_name"].startswith("pot_")
        for p in pairs
        for half in (p["money_out"], p["money_in"])
    )
    page = household.page("/transactions")
    assert "pot_0000" not in page
    assert "Into your Credit card pot" in _text(page) or "Into your Bills pot" in _text(page)


def test_bills_and_forecast_use_the_merchants_one_name(household: Household) -> None:
    bills = household.api("/analytics/commitments")["items"]
    spotify = next(b for b in bills if b["payee"] == "spotify")
    assert spotify["display_name"] == "Spotify"
    assert spotify["description"] == "SPOTIFY P1A2B3C4 LONDON"  # raw, unchanged
    for page in ("/commitments", "/forecast"):
        text = _text(household.page(page))
        assert "SPOTIFY P1A2B3C4" not in text, page
        assert "Spotify" in text, page
        assert "AMAZON PRIME*" not in text, page
    forecast = household.api("/analytics/forecast", days=60)
    labels = {e["label"] for day in forecast["days"] for e in day["items"]}
    assert "Spotify" in labels and not any(label.isupper() for label in labels)


def test_merchants_are_named_alike_on_every_page(household: Household) -> None:
    spending = _text(household.page("/spending"))
    transactions = _text(household.page("/transactions"))
    assert "Nationwide Building Society" in spending
    assert "nationwide building society" not in spending
    assert "Nationwide Building Society" in transactions
    items = household.api("/transactions", limit=500)["items"]
    tfl = {t["display_name"] for t in items if (t["description"] or "").startswith("TFL")}
    assert tfl == {"Transport for London"}


def test_providers_have_one_name(household: Household) -> None:
    names = {
        c["provider_id"] or c["provider"]: c["display_name"]
        for c in household.api("/connections")["items"]
    }
    assert names == {
        "monzo": "Monzo",
        "ob-amex": "American Express",
        "uk-ob-barclaycard": "Barclaycard",
    }
    for page in ("/connections", "/accounts"):
        text = _text(household.page(page))
        assert "AMEX" not in text and "BARCLAYCARD" not in text, page
        assert "American Express" in text and "Barclaycard" in text, page


def test_card_transactions_dated_without_a_time_show_their_date_alone(
    household: Household,
) -> None:
    items = household.api("/transactions", limit=500)["items"]
    dated = [t for t in items if t["date_only"]]
    assert dated, "the sandbox's settled card transactions come at midnight"
    assert all(t["created_at"].endswith("T00:00:00Z") for t in dated)
    assert not any(t["date_only"] for t in items if t["external_id"].startswith("tx_"))  # Monzo
    page = household.page("/transactions")
    for t in dated[:5]:
        row = page[page.index(f'id="tx-{t["id"]}"') :]
        row = row[: row.index("</tr>")]
        assert "00:00" not in row and "01:00" not in row, row[:400]
