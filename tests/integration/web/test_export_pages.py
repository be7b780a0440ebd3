"""Exports from the pages: the form on the transactions page, the button in settings."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from ofxtools.Parser import OFXTree
from sqlalchemy.orm import Session

from tests.integration.conftest import SignedIn
from tests.integration.web.export_builders import Books

JULY = datetime(2026, 7, 10, tzinfo=UTC)
HTML = {"Accept": "text/html"}


def test_the_transactions_page_offers_the_export_form_with_the_filters_filled_in(
    alice: SignedIn, db: Session
) -> None:
    books = Books.of(db, alice.user_id, at=JULY)
    card = books.accounts["card"].id

    page = alice.client.get(
        "/transactions", params={"account": card, "since": "2026-07-01", "until": "2026-07-31"}
    )

    assert page.status_code == 200
    assert 'action="/transactions/export"' in page.text
    assert '<option value="ofx">' in page.text
    assert f'<option value="{card}" selected>' in page.text
    assert 'id="export-since" name="since" type="date" value="2026-07-01"' in page.text


def test_the_form_downloads_the_file_it_names(alice: SignedIn, db: Session) -> None:
    books = Books.of(db, alice.user_id, at=JULY)
    on_card = books.add(datetime(2026, 7, 2, 10, tzinfo=UTC), -4567, account="card")
    books.add(datetime(2026, 7, 2, 11, tzinfo=UTC), -100)
    card = books.accounts["card"].id
    asked = {"account": card, "since": "2026-07-01", "until": "2026-07-31"}

    as_csv = alice.client.get("/transactions/export", params={**asked, "format": "csv"})
    as_ofx = alice.client.get("/transactions/export", params={**asked, "format": "ofx"})

    assert as_csv.status_code == 200
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text, newline="")))
    assert [(r["external_id"], r["amount"]) for r in rows] == [(on_card.external_id, "-45.67")]
    tree = OFXTree()
    tree.parse(io.BytesIO(as_ofx.content))
    [statement] = tree.convert().statements
    assert [t.fitid for t in statement.transactions] == [on_card.external_id]


def test_the_form_says_what_to_correct(alice: SignedIn, bob: SignedIn, db: Session) -> None:
    books = Books.of(db, alice.user_id, at=JULY)

    wrong_format = alice.client.get("/transactions/export?format=pdf", headers=HTML)
    wrong_days = alice.client.get(
        "/transactions/export",
        params={"since": "2026-07-31", "until": "2026-07-01", "format": "csv"},
        headers=HTML,
    )
    not_bobs = bob.client.get(
        "/transactions/export",
        params={"account": books.accounts["current"].id, "format": "csv"},
        headers=HTML,
    )

    assert wrong_format.status_code == 400
    assert "Choose CSV or OFX" in wrong_format.text
    assert wrong_days.status_code == 400
    assert "since is after until" in wrong_days.text
    assert not_bobs.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI) -> None:
    with TestClient(app) as visitor:
        answer = visitor.get(
            "/transactions/export?format=csv", headers=HTML, follow_redirects=False
        )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_settings_offers_every_piece_of_data_in_one_download(alice: SignedIn) -> None:
    page = alice.client.get("/settings")

    assert page.status_code == 200
    assert 'href="/api/v1/export/all.json"' in page.text
    assert "Download all my data" in page.text
    download = alice.client.get("/api/v1/export/all.json")
    assert download.status_code == 200
    assert download.json()["user"]["email"] == alice.email
