"""Categories in a real browser, on a desktop and at 390 px: one created, renamed and
merged through the page's forms, and offered straight away in the budget form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.conftest import DESKTOP, TIMEOUT_MS, LiveServer, register
from tests.e2e.test_theme_and_focus import no_sideways_scroll

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": DESKTOP, "mobile": ViewportSize(width=390, height=844)}


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
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
    yield context.new_page()
    context.close()


def test_a_category_is_created_renamed_and_merged_from_the_budgets_page(
    sized_page: Page,
) -> None:
    page = sized_page
    register(page)
    page.goto("/budgets")
    page.get_by_role("link", name="Your categories").click()
    expect(page.get_by_role("heading", name="Categories", level=1)).to_be_visible()
    no_sideways_scroll(page)

    page.get_by_label("Name", exact=True).fill("Kids' clubs")
    page.get_by_role("button", name="Create category").click()
    expect(page.get_by_role("status")).to_contain_text("Category created.")
    own = page.get_by_role("table", name="Your own categories")
    expect(own.get_by_role("cell", name="Kids' clubs · 0 transactions")).to_be_visible()
    no_sideways_scroll(page)

    page.locator("summary", has_text="Rename").first.click()
    page.get_by_label("New name").fill("Clubs")
    page.get_by_role("button", name="Rename", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Category renamed.")
    expect(own.get_by_role("cell", name="Clubs · 0 transactions")).to_be_visible()

    page.goto("/budgets")
    offered = page.get_by_label("Category").locator("option")
    expect(offered.filter(has_text=re.compile(r"^Clubs$"))).to_have_count(1)
    expect(offered.filter(has_text=re.compile(r"^Income$"))).to_have_count(0)

    page.goto("/categories")
    page.locator("summary", has_text="Merge").first.click()
    page.get_by_label("Merge Clubs into").select_option(label="Family")
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Merged:")
    expect(page.get_by_text("None yet.")).to_be_visible()
    no_sideways_scroll(page)
