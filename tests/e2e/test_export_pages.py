"""Exports in a real browser: the transactions page's form downloads an OFX file, the
settings page's button downloads everything as JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ofxtools.models import CCSTMTRS
from ofxtools.Parser import OFXTree
from playwright.sync_api import Page
from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import User
from tests.e2e.conftest import Account, LiveServer
from tests.integration.web.export_builders import Books

pytestmark = pytest.mark.e2e


def _seed(database_url: str, email: str) -> dict[str, str]:
    """Two card purchases in July and one on the current account; their bank ids."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            user_id = db.scalars(select(User.id).where(User.email == email)).one()
            books = Books.of(db, user_id, at=datetime(2026, 7, 31, tzinfo=UTC))
            return {
                "card": books.add(
                    datetime(2026, 7, 2, 10, tzinfo=UTC), -4567, account="card"
                ).external_id,
                "later": books.add(
                    datetime(2026, 8, 2, 10, tzinfo=UTC), -100, account="card"
                ).external_id,
                "current": books.add(datetime(2026, 7, 3, 10, tzinfo=UTC), -1234).external_id,
            }
    finally:
        engine.dispose()


def test_the_export_form_downloads_one_cards_month_as_ofx(
    page: Page, account: Account, live_server: LiveServer, tmp_path: Path, artifacts: Path
) -> None:
    ids = _seed(live_server.database_url, account.email)
    page.goto("/transactions")

    page.get_by_text("Export transactions").click()
    page.locator("#export-account").select_option(label="American Express")
    page.locator("#export-since").fill("2026-07-01")
    page.locator("#export-until").fill("2026-07-31")
    page.locator("#export-format").select_option("ofx")
    page.screenshot(path=artifacts / "transactions-export-desktop-light.png", full_page=True)
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download").click()
    download = downloading.value

    assert download.suggested_filename == (
        "potwise-transactions-american-express-2026-07-01-to-2026-07-31.ofx"
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    tree = OFXTree()
    with saved.open("rb") as file:
        tree.parse(file)
    [statement] = tree.convert().statements
    assert isinstance(statement, CCSTMTRS)
    assert [t.fitid for t in statement.transactions] == [ids["card"]]


def test_settings_downloads_all_my_data(
    page: Page, account: Account, live_server: LiveServer, tmp_path: Path
) -> None:
    ids = _seed(live_server.database_url, account.email)
    page.goto("/settings")

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download all my data").click()
    download = downloading.value

    assert download.suggested_filename.startswith("potwise-export-")
    saved = tmp_path / "export.json"
    download.save_as(saved)
    data = json.loads(saved.read_text())
    assert (data["format"], data["version"]) == ("potwise-export", 1)
    assert data["user"]["email"] == account.email
    assert {t["external_id"] for t in data["transactions"]} == set(ids.values())
