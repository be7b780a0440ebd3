"""A backtest in a real browser, on a desktop and at 390 px: a sweep tried on its form
before it is saved, then created, its backtest opened from its page (the chart and the
moves, nothing wider than the phone), and the rule switched off and on from its page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, register
from tests.e2e.test_automation_pages import _choose_pot, sized_page
from tests.e2e.test_bank_pages import _seed, fits

pytestmark = pytest.mark.e2e

__all__ = ["sized_page"]  # the fixture, used by name


def _fill_sweep(page: Page) -> None:
    page.goto("/automations/new?kind=sweep")
    page.get_by_label("Name", exact=True).fill("Evening sweep")
    _choose_pot(page, "Pot to sweep into", "Rainy day")
    page.get_by_label("Keep in the current account").fill("£1,000")


def _shows_a_backtest(page: Page, size: str) -> None:
    """The chart with both lines and the moves' table, within the device's width."""
    chart = page.get_by_role("img", name="The current account with the rule and without it")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    box = chart.bounding_box()
    assert box is not None and box["width"] > 280  # the whole width of a phone's card
    tick = chart.locator("text.backtest-axis").first
    assert float(tick.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")) >= 12
    moves = page.get_by_role("region", name="Moves")
    expect(moves.locator("tbody tr").first).to_contain_text("Rainy day")
    expect(moves.locator("tbody tr").first).to_contain_text("Into the pot")
    expect(page.locator("#backtest-summary")).to_contain_text("into pots")
    fits(page, size)


def test_a_sweep_backtested_before_and_after_saving_then_switched_off_and_on(
    sized_page: tuple[str, Page], live_server: LiveServer, artifacts: Path
) -> None:
    size, page = sized_page
    account = register(page)
    _seed(live_server.database_url, account.email)  # £1,842.07 in the current account

    # Tried on the form first: the page, then back to the form with what was typed.
    _fill_sweep(page)
    page.get_by_label("Backtest before saving, over").select_option("3")
    page.get_by_role("button", name="Backtest before saving").click()
    expect(page.get_by_role("heading", name="Backtest: Evening sweep")).to_be_visible()
    expect(page.get_by_text("not saved yet")).to_be_visible()
    _shows_a_backtest(page, size)
    page.screenshot(path=artifacts / f"backtest-unsaved-{size}.png", full_page=True)
    page.get_by_role("button", name="Change the rule").click()
    expect(page.get_by_label("Keep in the current account")).to_have_value("£1,000")
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_text("Rule created. It sweeps at the next time you chose.")).to_be_visible()

    # Saved: its backtest from its own page.
    page.get_by_role("link", name="Evening sweep", exact=True).click()
    expect(page.get_by_label("What it would have done over")).to_have_value("6")
    page.get_by_role("button", name="Backtest", exact=True).click()
    page.wait_for_url("**/backtest?months=6")
    expect(page.get_by_text("over the last 6 months")).to_be_visible()
    _shows_a_backtest(page, size)
    page.screenshot(path=artifacts / f"backtest-{size}.png", full_page=True)

    # Switched off and on from the rule's page, which it stays on.
    page.locator(".page-head").get_by_role("link", name="Evening sweep").click()
    switch = page.get_by_role("switch", name="Evening sweep switched on")
    expect(switch).to_have_attribute("aria-checked", "true")
    switch.click()
    expect(page.get_by_text("Rule switched off")).to_be_visible()
    expect(page.get_by_role("heading", name="Evening sweep")).to_be_visible()
    expect(switch).to_have_attribute("aria-checked", "false")
    fits(page, size)
    switch.click()
    expect(page.get_by_text("Rule switched on.")).to_be_visible()
    expect(switch).to_have_attribute("aria-checked", "true")
