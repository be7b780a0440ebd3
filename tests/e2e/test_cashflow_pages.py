"""Cash flow in a real browser: the dashboard's safe-to-spend figure with its breakdown,
and a "what if" cost on the forecast that moves the low point before and after saving."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import User
from tests.e2e.conftest import LiveServer, register
from tests.integration.cashflow.builders import Household, today

pytestmark = pytest.mark.e2e


def _seed(database_url: str, email: str) -> None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            user_id = db.scalars(select(User.id).where(User.email == email)).one()
            Household.of(db, user_id).year_of_history()
    finally:
        engine.dispose()


def test_what_if_moves_the_low_point_and_saving_keeps_it(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    login = register(page)
    _seed(live_server.database_url, login.email)

    page.goto(live_server("/"))
    panel = page.get_by_role("region", name="Safe to spend until payday")
    expect(panel).to_be_visible()
    panel.get_by_text("How this is worked out").click()
    expect(panel.get_by_role("row", name="Current")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
    page.get_by_role("navigation", name="Plan pages").get_by_role("link", name="Forecast").click()
    low = page.locator("#low-point")
    before = low.inner_text()
    page.get_by_label("What", exact=True).fill("New laptop")
    page.get_by_label("Cost", exact=True).fill("4000")
    page.get_by_label("On", exact=True).fill((today() + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Show me").click()
    expect(page.get_by_text("Without it")).to_be_visible()
    expect(low).not_to_have_text(before)
    moved = low.inner_text()
    page.screenshot(path=str(artifacts / "forecast-what-if.png"), full_page=True)

    page.get_by_role("button", name="Save as a planned cost").click()
    expect(page.get_by_role("status")).to_contain_text("Planned item saved")
    expect(low).to_have_text(moved)
    page.get_by_role("navigation", name="Plan pages").get_by_role("link", name="Planned").click()
    expect(page.get_by_role("heading", name="New laptop")).to_be_visible()
