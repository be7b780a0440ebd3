"""Spending and budgets in a real browser: the charts, the month selector, a merchant's
transactions, and a budget created through its form with its progress bar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Connection, Transaction, User
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS, LiveServer, register
from tests.e2e.conftest import Account as Login

pytestmark = pytest.mark.e2e

SHOPS = [
    ("Tesco", "groceries", "current", 4_250),
    ("Pret A Manger", "eating_out", "amex", 690),
    ("Trainline", "transport", "amex", 3_420),
    ("Waterstones", "shopping", "current", 1_899),
]


def _seed_spending(database_url: str, email: str) -> None:
    """A current account and a credit card with a year of spending, a transfer that must
    not count, and a pending card payment this month."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            user_id = db.scalars(select(User.id).where(User.email == email)).one()
            connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
            db.add(connection)
            db.flush()
            accounts = {}
            for name, kind in (("current", "current"), ("amex", "credit_card")):
                accounts[name] = Account(
                    user_id=user_id,
                    connection_id=connection.id,
                    external_id=f"acc_{name}",
                    provider="monzo",
                    kind=kind,
                    name=name.capitalize(),
                    currency="GBP",
                )
                db.add(accounts[name])
            db.flush()
            now = datetime.now(UTC)
            n = 0

            def add(
                at: datetime, shop: str, category: str, account: str, amount: int, **extra: str
            ) -> None:
                nonlocal n
                n += 1
                db.add(
                    Transaction(
                        user_id=user_id,
                        connection_id=connection.id,
                        account_id=accounts[account].id,
                        external_id=f"tx_{n}",
                        created_at=at,
                        amount=amount,
                        currency="GBP",
                        status=extra.get("status", "settled"),
                        description=shop.upper(),
                        merchant=shop,
                        merchant_key=shop.lower(),
                        category=category,
                        provider_category=category,  # as a sync stores it
                        classification=extra.get("classification", "spending"),
                    )
                )

            for week in range(52):
                at = now - timedelta(days=7 * week, hours=1)
                shop, category, account, amount = SHOPS[week % len(SHOPS)]
                add(at, shop, category, account, -(amount + 37 * week))
            add(
                now - timedelta(minutes=30),
                "Pret A Manger",
                "eating_out",
                "amex",
                -455,
                status="pending",
            )
            add(
                now - timedelta(hours=2),
                "Own savings",
                "transfers",
                "current",
                -50_000,
                classification="internal_transfer",
            )
            db.commit()
    finally:
        engine.dispose()


def test_spending_charts_and_a_budget_with_its_progress_bar(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, color_scheme="dark", locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page: Page = context.new_page()
    try:
        login: Login = register(page)
        _seed_spending(live_server.database_url, login.email)

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
        page.wait_for_url("**/spending")
        expect(page.get_by_role("heading", name="Spending", level=1)).to_be_visible()
        year = page.get_by_role("group", name="Spending per month")
        expect(year).to_be_visible()
        expect(year.locator("rect.chart-bar")).to_have_count(12)
        expect(page.get_by_role("img", name="Spending by category")).to_be_visible()
        expect(page.get_by_test_id("card-total")).not_to_have_text("£0.00")
        # The transfer to savings is not spending.
        expect(page.get_by_role("row", name="Own savings")).to_have_count(0)
        # The chart's figures are in a table too.
        page.get_by_text("Show as a table").first.click()
        expect(page.get_by_role("table").first).to_be_visible()
        page.screenshot(path=artifacts / "spending-desktop-dark.png", full_page=True)

        # A merchant's transactions, then another month.
        page.get_by_role("link", name="Transactions at Pret A Manger").click()
        detail = page.locator("#merchant-detail")
        expect(detail.get_by_role("heading")).to_contain_text("Pret A Manger")
        expect(detail.get_by_text("Pending", exact=True)).to_be_visible()
        page.get_by_label("Month", exact=True).select_option(index=3)
        page.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_url("**/spending?month=*")
        expect(page.locator("#summary-heading")).not_to_have_text(
            datetime.now(UTC).strftime("%B %Y")
        )

        # A budget through the form, and its progress bar.
        page.get_by_role("navigation", name="Plan pages").get_by_role(
            "link", name="Budgets"
        ).click()
        page.wait_for_url("**/budgets")
        expect(page.get_by_text("No budgets yet")).to_be_visible()
        page.get_by_label("Category").select_option("eating_out")
        page.get_by_label("Amount per period").fill("20")
        page.get_by_role("button", name="Create budget").click()
        page.wait_for_url("**/budgets?flash=budget_created*")
        card = page.locator(".budget-card")
        expect(card.get_by_role("heading", name="Eating out")).to_be_visible()
        bar = card.get_by_role("progressbar", name="Eating out budget used")
        expect(bar).to_be_visible()
        now_value = int(bar.get_attribute("aria-valuenow") or "-1")
        assert 0 < now_value <= 100
        expect(card).to_contain_text("spent of £20.00")
        page.screenshot(path=artifacts / "budgets-desktop-dark.png", full_page=True)
    finally:
        context.close()


def test_recategorising_a_merchant_and_applying_it_to_the_past_changes_the_chart(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, color_scheme="light", locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page: Page = context.new_page()
    try:
        login: Login = register(page)
        _seed_spending(live_server.database_url, login.email)
        categories = page.get_by_role("img", name="Spending by category")

        def half_a_year_ago() -> None:
            page.goto("/spending")
            page.get_by_label("Month", exact=True).select_option(index=6)
            page.get_by_role("button", name="Show", exact=True).click()
            page.wait_for_url("**/spending?month=*")

        half_a_year_ago()
        expect(categories).to_contain_text("Groceries")
        expect(categories).not_to_contain_text("Family")

        # Three of Tesco's latest payments put in "Family", one row at a time.
        for n in range(3):
            page.goto("/transactions?q=tesco")
            row = page.locator("tbody tr").nth(n)
            row.locator(".tx-category summary").click()
            row.get_by_label("Category").select_option("family")
            row.get_by_role("button", name="Save").click()
            page.wait_for_url("**/transactions?q=tesco&saved=category*")
        suggestion = page.get_by_role("region", name="Apply Family to all Tesco?")
        expect(suggestion).to_be_visible()
        suggestion.get_by_role("button", name="Apply to all Tesco, past and future").click()
        page.wait_for_url("**saved=applied*")

        # Every Tesco payment, past ones too, now counts as Family in the chart.
        half_a_year_ago()
        expect(categories).to_contain_text("Family")
        expect(categories).not_to_contain_text("Groceries")
        expect(categories).to_contain_text("Transport")  # other merchants keep theirs
        page.screenshot(path=artifacts / "spending-recategorised-desktop-light.png", full_page=True)
    finally:
        context.close()
