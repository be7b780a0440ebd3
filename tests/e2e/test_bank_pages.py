"""Accounts, transactions and connections in a real browser, with a mirror written to the DB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Connection, Pot, SyncRun, Transaction, User
from tests.e2e.conftest import DESKTOP, TIMEOUT_MS, LiveServer, register
from tests.e2e.test_theme_and_focus import no_sideways_scroll

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": DESKTOP, "mobile": ViewportSize(width=390, height=844)}

SPENDING = [
    ("Pret A Manger", "eating_out", -4_35),
    ("Tesco Superstore", "groceries", -62_18),
    ("Transport for London", "transport", -2_80),
    ("Netflix", "entertainment", -10_99),
    ("Octopus Energy", "bills", -96_00),
    ("Waterstones", "shopping", -18_99),
]


def _seed(database_url: str, email: str) -> None:
    """A Monzo current account with pots, an Amex card that owes, and some history."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            user_id = db.scalars(select(User.id).where(User.email == email)).one()
            now = datetime.now(UTC)
            monzo = Connection(
                user_id=user_id,
                provider="monzo",
                display_name="Monzo",
                last_synced_at=now - timedelta(minutes=12),
            )
            amex = Connection(
                user_id=user_id,
                provider="truelayer",
                provider_id="ob-amex",
                display_name="American Express",
                consent_expires_at=now + timedelta(days=9, hours=1),
                last_synced_at=now - timedelta(hours=3),
            )
            db.add_all([monzo, amex])
            db.flush()
            current = Account(
                user_id=user_id,
                connection_id=monzo.id,
                external_id="acc_current",
                provider="monzo",
                kind="current",
                name="Personal account",
                currency="GBP",
                balance=1_842_07,
                available=1_842_07,
                balance_at=now - timedelta(minutes=12),
                display_suffix="4821",
            )
            joint = Account(
                user_id=user_id,
                connection_id=monzo.id,
                external_id="acc_joint",
                provider="monzo",
                kind="joint",
                name="Joint account with Sam",
                currency="GBP",
                balance=640_00,
                balance_at=now - timedelta(minutes=12),
            )
            old = Account(
                user_id=user_id,
                connection_id=monzo.id,
                external_id="acc_old",
                provider="monzo",
                kind="current",
                name="Prepaid card (closed)",
                currency="GBP",
                balance=0,
                closed=True,
            )
            card = Account(
                user_id=user_id,
                connection_id=amex.id,
                external_id="acc_amex",
                provider="ob-amex",
                kind="credit_card",
                name="Platinum Cashback Everyday",
                currency="GBP",
                balance=-512_30,
                available=4_487_70,
                credit_limit=5_000_00,
                balance_at=now - timedelta(hours=3),
            )
            db.add_all([current, joint, old, card])
            db.flush()
            for name, balance, goal in (
                ("Holiday", 300_00, 1_200_00),
                ("Rainy day", 2_500_00, None),
                ("Amex payoff", 512_30, 512_30),
            ):
                db.add(
                    Pot(
                        user_id=user_id,
                        connection_id=monzo.id,
                        account_id=current.id,
                        external_id=f"pot_{name}",
                        name=name,
                        currency="GBP",
                        balance=balance,
                        goal=goal,
                    )
                )
            db.add(
                Pot(
                    user_id=user_id,
                    connection_id=monzo.id,
                    account_id=current.id,
                    external_id="pot_deleted",
                    name="Old wedding pot",
                    currency="GBP",
                    balance=0,
                    deleted=True,
                )
            )
            start = now.replace(hour=9, minute=15, second=0, microsecond=0)
            db.add(
                Transaction(
                    user_id=user_id,
                    connection_id=monzo.id,
                    account_id=current.id,
                    external_id="tx_pending",
                    created_at=now - timedelta(minutes=30),
                    amount=-3_20,
                    currency="GBP",
                    status="pending",
                    description="PRET A MANGER KINGS CROSS",
                    merchant="Pret A Manger",
                    category="eating_out",
                )
            )
            db.add(
                Transaction(
                    user_id=user_id,
                    connection_id=monzo.id,
                    account_id=current.id,
                    external_id="tx_salary",
                    created_at=start - timedelta(days=1),
                    amount=2_650_00,
                    currency="GBP",
                    status="settled",
                    description="ACME LTD SALARY",
                    category="income",
                )
            )
            db.add(
                Transaction(
                    user_id=user_id,
                    connection_id=amex.id,
                    account_id=card.id,
                    external_id="tx_declined",
                    created_at=start - timedelta(days=2),
                    amount=-89_00,
                    currency="GBP",
                    status="declined",
                    description="ELECTRONICS ONLINE",
                    decline_reason="INSUFFICIENT_FUNDS",
                )
            )
            for n in range(18):
                name, category, amount = SPENDING[n % len(SPENDING)]
                on_card = n % 3 == 0
                db.add(
                    Transaction(
                        user_id=user_id,
                        connection_id=amex.id if on_card else monzo.id,
                        account_id=card.id if on_card else current.id,
                        external_id=f"tx_{n}",
                        created_at=start - timedelta(days=2 + n, hours=n % 5),
                        amount=amount,
                        currency="GBP",
                        status="settled",
                        description=name.upper(),
                        merchant=name,
                        category=category,
                    )
                )
            db.add(
                Transaction(
                    user_id=user_id,
                    connection_id=amex.id,
                    account_id=card.id,
                    external_id="tx_paris",
                    created_at=start - timedelta(days=4, hours=3),
                    amount=-42_17,
                    currency="GBP",
                    local_amount=-48_50,
                    local_currency="EUR",
                    status="settled",
                    description="CAFE DE FLORE PARIS",
                    merchant="Café de Flore",
                    category="eating_out",
                )
            )
            db.add(
                SyncRun(
                    user_id=user_id,
                    connection_id=monzo.id,
                    trigger="scheduled",
                    started_at=now - timedelta(minutes=12, seconds=4),
                    finished_at=now - timedelta(minutes=12),
                    status="succeeded",
                    counts={"accounts": 3, "pots": 3, "transactions": 21, "balances": 6},
                    api_calls=9,
                )
            )
            db.commit()
    finally:
        engine.dispose()


def fits(page: Page, size: str) -> None:
    """Nothing wider than the device: a mobile browser zooms out rather than scrolls."""
    no_sideways_scroll(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORTS[size]["width"], f"page is {width}px wide"


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[tuple[str, Page]]:
    name: str = request.param
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORTS[name],
        color_scheme="light",
        locale="en-GB",
        is_mobile=name == "mobile",
        has_touch=name == "mobile",
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield name, context.new_page()
    context.close()


def test_accounts_transactions_and_connections_with_data(
    sized_page: tuple[str, Page], live_server: LiveServer, artifacts: Path
) -> None:
    size, page = sized_page
    account = register(page)
    _seed(live_server.database_url, account.email)

    for theme in ("light", "dark"):
        page.goto("/accounts")
        if theme == "dark":
            page.locator("#theme-toggle").click()
            expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Money")).to_have_attribute("aria-current", "true")
        pages = page.get_by_role("navigation", name="Money pages")
        expect(pages.get_by_role("link", name="Accounts")).to_have_attribute("aria-current", "page")
        expect(page.get_by_text("£512.30 owed").first).to_be_visible()
        expect(page.get_by_text("£1,842.07").first).to_be_visible()
        expect(page.get_by_role("progressbar", name="Holiday: 25% of its goal")).to_be_visible()
        expect(page.get_by_text("Old wedding pot")).to_have_count(0)
        fits(page, size)
        page.screenshot(path=artifacts / f"accounts-{size}-{theme}.png", full_page=True)

        page.goto("/transactions")
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(22)
        pending = page.locator("tr.tx-pending")
        expect(pending).to_contain_text("Pret A Manger")
        expect(pending.get_by_text("Pending", exact=True)).to_be_visible()
        expect(page.get_by_text("+£2,650.00")).to_be_visible()
        fits(page, size)
        page.screenshot(path=artifacts / f"transactions-{size}-{theme}.png", full_page=True)

        page.goto("/connections")
        expect(page.get_by_text("Consent expires in 9 days")).to_be_visible()
        expect(page.get_by_text("4 of 4")).to_be_visible()
        fits(page, size)
        page.screenshot(path=artifacts / f"connections-{size}-{theme}.png", full_page=True)

    # Filtering through the form keeps the choices and narrows the table.
    page.goto("/transactions")
    page.get_by_label("Search").fill("netflix")
    page.get_by_label("Status").select_option("settled")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(3)
    expect(page.get_by_label("Search")).to_have_value("netflix")
    filters = page.get_by_role("search", name="Filter transactions")
    filters.get_by_label("From", exact=True).fill("2001-01-01")
    filters.get_by_label("To", exact=True).fill("2000-01-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("is after")

    # Disconnecting asks first, without script.
    page.goto("/connections")
    page.get_by_text("Disconnect…").first.click()
    expect(page.get_by_role("button", name="Yes, disconnect Monzo")).to_be_visible()
