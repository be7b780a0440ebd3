"""Every page of a signed-in user with a year of data, on a phone and on a laptop, light
and dark: nothing wider than the screen, chart words drawn at a readable size, a screenshot
of each, and no moderate, serious or critical accessibility finding from axe-core (bundled
with axe-playwright-python; nothing is fetched from the network).

One browser and one seeded user serve every combination, so the whole run stays short.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Automation, Budget, PlannedItem, Transaction, Transfer, User
from tests.e2e.conftest import TIMEOUT_MS, LiveServer, register
from tests.e2e.test_automation_pages import _choose_pot, _seed_rules
from tests.e2e.test_bank_pages import _seed as seed_bank_pages

pytestmark = pytest.mark.e2e

#: Every page a signed-in user can reach, by address. `{rule}` (a sweep), `{card_rule}`
#: (a card pot with a history) and `{budget}` stand for the seeded ids. A new page
#: belongs here.
PAGES: tuple[str, ...] = (
    "/",
    "/accounts",
    "/transactions",
    "/transfers",
    "/connections",
    "/automations",
    "/automations/new",
    "/automations/new?kind=card_pot",
    "/automations/new?kind=sweep",
    "/automations/new?kind=autosort",
    "/automations/new?kind=topup",
    "/automations/new?kind=goal",
    "/automations/{rule}",
    "/automations/{rule}/edit",
    "/automations/{card_rule}",
    "/automations/{card_rule}/edit",
    "/automations/{rule}/backtest",
    "/spending",
    "/budgets",
    "/budgets/{budget}/edit",
    "/forecast",
    "/commitments",
    "/planned",
    "/categories",
    "/settings",
    "/settings/notifications",
    "/notices",
)

WIDTHS = {
    "phone": ViewportSize(width=390, height=844),
    "laptop": ViewportSize(width=1280, height=800),
}
SCHEMES = ("light", "dark")
#: A name with no space to break at: it must wrap anywhere rather than widen the page.
LONG_NAME = "Kitchen" + "X" * 186 + "refit"
LONG_MERCHANT = "Superstore" + "Q" * 190
#: Findings that fail the test: serious and critical ones, and moderate ones too (such as
#: two landmarks with one name), which the pages are free of. Minor ones are left out.
FAILING_IMPACTS = {"moderate", "serious", "critical"}
#: axe takes most of the time, so it runs in two of the four combinations: both widths
#: (what is shown and how it is laid out) and both schemes (the colours' contrast).
AXE_RUNS = {("phone", "light"), ("laptop", "dark")}


#: The innermost elements that reach past the right edge of the screen (outside any box
#: that scrolls or clips them), as selectors.
PAST_THE_EDGE = """(edge) => {
  const page = [document.documentElement, document.body];
  const clipped = (e) => {
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return !page.includes(a);
    }
    return false;
  };
  const past = [...document.querySelectorAll("body *")].filter(
    (e) => e.getBoundingClientRect().right > edge + 1 && !clipped(e));
  const innermost = past.filter((e) => !past.some((o) => o !== e && e.contains(o)));
  const name = (e) => typeof e.className === "string" && e.className
    ? "." + e.className.trim().replace(/ +/g, ".") : "";
  return innermost.slice(0, 5).map((e) => e.tagName.toLowerCase() + name(e));
}"""


#: The smallest size, in screen pixels, a chart's words may be drawn at.
READABLE_PX = 10
#: The size on screen of the smallest word in any chart: its font size times the scale
#: its SVG is drawn at; null when the page has no chart text.
SMALLEST_CHART_TEXT = """() => {
  const sizes = [...document.querySelectorAll("main svg text")]
    .filter((t) => t.getBBox().width > 0 && t.getScreenCTM())
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
  return sizes.length ? Math.min(...sizes) : null;
}"""


@dataclass(frozen=True)
class Seeded:
    state: dict  # the signed-in browser's cookies, for every context
    ids: dict[str, str]

    def address(self, page: str) -> str:
        return page.format(**self.ids)


def _on(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour, 0), UTC)


def _a_year(db: Session, user_id: str) -> None:
    """Pay, rent and a subscription each month, shopping every few days (one shop with a
    name of 200 letters and no space), in the current account the bank pages' seed made."""
    current = db.scalars(
        select(Account).where(Account.user_id == user_id, Account.external_id == "acc_current")
    ).one()
    today = datetime.now(UTC).date()
    rows: list[tuple[date, int, str, str, str]] = []
    for back in range(12):
        month = (today.replace(day=1) - timedelta(days=back * 30)).replace(day=1)
        rows.append((month.replace(day=25), 3_200_00, "Acme Ltd", "income", "income"))
        rows.append((month.replace(day=1), -950_00, "Landlord", "bills", "spending"))
        rows.append((month.replace(day=10), -15_99, "Netflix", "entertainment", "spending"))
    for back in range(1, 120, 3):
        name = LONG_MERCHANT if back % 9 == 1 else f"Corner shop {back % 5}"
        rows.append(
            (today - timedelta(days=back), -(12_00 + back * 37), name, "groceries", "spending")
        )
    rows.append((today - timedelta(days=2), -172_63, "Octopus Energy", "bills", "spending"))
    for n, (day, amount, name, category, classification) in enumerate(rows):
        if day >= today:
            continue
        db.add(
            Transaction(
                user_id=user_id,
                connection_id=current.connection_id,
                account_id=current.id,
                external_id=f"tx_year_{n}",
                created_at=_on(day),
                amount=amount,
                currency="GBP",
                status="settled",
                description=name.upper(),
                merchant=name,
                merchant_key=name.lower(),
                category=category,
                provider_category=category,
                classification=classification,
            )
        )


def _extras(database_url: str, email: str) -> dict[str, str]:
    """A year of history, a budget, a planned item with a long unbroken name, and two pot
    moves of the rule the test made; returns the budget's id."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            user_id = db.scalars(select(User.id).where(User.email == email)).one()
            _a_year(db, user_id)
            budget = Budget(user_id=user_id, category="groceries", amount=250_00)
            db.add(budget)
            today = datetime.now(UTC).date()
            db.add(
                PlannedItem(
                    user_id=user_id,
                    label=LONG_NAME,
                    amount=-1_450_00,
                    due_on=today + timedelta(days=20),
                )
            )
            db.add(
                PlannedItem(
                    user_id=user_id,
                    label="New laptop",
                    amount=-900_00,
                    due_on=today + timedelta(days=40),
                    months=6,
                )
            )
            rule = db.scalars(
                select(Automation).where(Automation.user_id == user_id, Automation.kind == "sweep")
            ).one()
            for n, (status, amount) in enumerate((("confirmed", 120_00), ("failed", 35_50))):
                db.add(
                    Transfer(
                        user_id=user_id,
                        automation_id=rule.id,
                        pot_external_id="pot_Rainy day",
                        account_external_id="acc_current",
                        direction="deposit",
                        amount=amount,
                        currency="GBP",
                        dedupe_id=f"every-page-{n}-{user_id}",
                        status=status,
                        reason="Above £1,000 in the current account at 20:00",
                        error="The bank said no" if status == "failed" else None,
                        created_at=datetime.now(UTC) - timedelta(days=n + 1),
                    )
                )
            db.commit()
            return {"rule": rule.id, "budget": budget.id}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded(browser: Browser, live_server: LiveServer) -> Iterator[Seeded]:
    """One user for every page: the bank pages' household and card-pot rules, a sweep
    made through its form, then the rest straight into the database."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        login = register(page)
        seed_bank_pages(live_server.database_url, login.email)
        card_rule = _seed_rules(live_server.database_url, login.email)
        page.goto("/automations/new?kind=sweep")
        page.get_by_label("Name", exact=True).fill("Evening sweep")
        _choose_pot(page, "Pot to sweep into", "Rainy day")
        page.get_by_label("Keep in the current account").fill("£1,000")
        page.get_by_role("button", name="Create rule").click()
        expect(page.get_by_role("status")).to_be_visible()
        ids = _extras(live_server.database_url, login.email) | {"card_rule": card_rule}
        yield Seeded(state=context.storage_state(), ids=ids)  # type: ignore[arg-type]
    finally:
        context.close()


def _findings(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in FAILING_IMPACTS
    ]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_every_page_fits_the_screen_and_passes_axe(
    width: str,
    scheme: str,
    seeded: Seeded,
    browser: Browser,
    live_server: LiveServer,
    artifacts: Path,
) -> None:
    viewport = WIDTHS[width]
    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,
        color_scheme=scheme,  # type: ignore[arg-type]
        locale="en-GB",
        is_mobile=width == "phone",
        has_touch=width == "phone",
        storage_state=seeded.state,  # type: ignore[arg-type]
    )
    context.set_default_timeout(TIMEOUT_MS)
    shots = artifacts / "every-page"
    shots.mkdir(exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    try:
        page = context.new_page()
        for path in PAGES:
            response = page.goto(seeded.address(path))
            assert response is not None and response.status == 200, f"{path}: {response}"
            # What a disclosure holds (a chart's table, a schedule) is measured too.
            page.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(
                path=shots / f"{name}-{width}-{scheme}.jpeg", full_page=True, quality=80
            )
            wide = int(page.evaluate("document.documentElement.scrollWidth"))
            if wide > viewport["width"]:
                problems.append(
                    f"{path}: the page is {wide}px wide on a {viewport['width']}px screen, "
                    f"past its edge: {page.evaluate(PAST_THE_EDGE, viewport['width'])}"
                )
            smallest = page.evaluate(SMALLEST_CHART_TEXT)
            if smallest is not None and smallest < READABLE_PX:
                problems.append(f"{path}: chart text drawn {smallest:.1f}px high")
            if (width, scheme) in AXE_RUNS:
                problems += [f"{path}: {finding}" for finding in _findings(axe, page)]
    finally:
        context.close()
    assert not problems, "\n".join(problems)


#: Figures under their labels, radios beside their words, filters wide enough for their
#: choice: each returns the offending elements' descriptions.
MISPLACED = {
    "/spending": """() => [...document.querySelectorAll(".totals-list > div")]
        .filter((d) => Math.abs(d.querySelector("dd").getBoundingClientRect().left
                                - d.querySelector("dt").getBoundingClientRect().left) > 2)
        .map((d) => "figure off its label: " + d.querySelector("dt").textContent)""",
    "/budgets": """() => [...document.querySelectorAll(".budget-form .choice")]
        .filter((c) => {
          const box = c.querySelector("input").getBoundingClientRect();
          const words = c.querySelector(".choice-name").getBoundingClientRect();
          return words.left - box.right > 16 || words.top - box.top > 12;
        })
        .map((c) => "choice away from its words: " + c.textContent.trim())""",
    "/transactions": """() => {
        const ink = document.createElement("canvas").getContext("2d");
        return [...document.querySelectorAll(".filters select")].filter((s) => {
          const style = getComputedStyle(s);
          ink.font = style.font;
          const words = ink.measureText(s.options[s.selectedIndex].text).width;
          return words + parseFloat(style.paddingLeft) + 16 > s.clientWidth;
        }).map((s) => "choice cut off: " + s.options[s.selectedIndex].text);
    }""",
}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_figures_choices_and_filters_sit_where_they_belong(
    width: str, seeded: Seeded, browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=WIDTHS[width],
        locale="en-GB",
        storage_state=seeded.state,  # type: ignore[arg-type]
    )
    context.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    try:
        page = context.new_page()
        for path, script in MISPLACED.items():
            page.goto(path)
            found = page.evaluate(script)
            assert isinstance(found, list)
            problems += [f"{path}: {p}" for p in found]
            assert page.locator(".totals-list, .budget-form, .filters").count() > 0, path
    finally:
        context.close()
    assert not problems, "\n".join(problems)
