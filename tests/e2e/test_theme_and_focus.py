"""Dark mode that persists, visible keyboard focus, and screenshots for review."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from tests.e2e.conftest import DESKTOP, TIMEOUT_MS, Account, LiveServer, register

pytestmark = pytest.mark.e2e

VIEWPORTS = {
    "desktop": DESKTOP,
    "mobile": ViewportSize(width=390, height=844),
}


def body_background(page: Page) -> str:
    return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))


def lightness(css_colour: str) -> float:
    """0 (black) to 1 (white): the mean of the channels of an `rgb(r, g, b)` colour."""
    channels = re.findall(r"\d+", css_colour)[:3]
    assert len(channels) == 3, css_colour
    return sum(int(c) for c in channels) / (3 * 255)


def test_dark_mode_toggles_and_persists_across_reloads(page: Page, account: Account) -> None:
    html = page.locator("html")
    toggle = page.locator("#theme-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_have_accessible_name("Switch to dark theme")
    light = body_background(page)
    assert lightness(light) > 0.8, light

    toggle.click()

    expect(html).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_have_accessible_name("Switch to light theme")
    dark = body_background(page)
    assert dark != light
    assert lightness(dark) < 0.2, dark
    assert page.evaluate("localStorage.getItem('potwise-theme')") == "dark"

    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert body_background(page) == dark

    page.goto("/settings")
    expect(html).to_have_attribute("data-theme", "dark")

    toggle.click()
    expect(html).to_have_attribute("data-theme", "light")
    page.reload()
    expect(html).to_have_attribute("data-theme", "light")
    assert body_background(page) == light


def test_the_theme_follows_the_system_until_chosen(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(base_url=live_server.url, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto("/login")
        expect(page.locator("html")).not_to_have_attribute("data-theme", "dark")
        assert lightness(body_background(page)) < 0.2
        expect(page.locator("#theme-toggle")).to_have_attribute("aria-pressed", "true")
    finally:
        context.close()


def outline_of(element: Locator) -> dict[str, str]:
    outline: dict[str, str] = element.evaluate(
        """el => {
            const s = getComputedStyle(el);
            return {
                style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor,
                focusVisible: String(el.matches(':focus-visible')),
            };
        }"""
    )
    return outline


@pytest.mark.parametrize(
    ("path", "section_pages"),
    [
        ("/", []),
        ("/budgets", ["Spending", "Budgets", "Forecast", "Bills", "Planned"]),
    ],
)
def test_keyboard_focus_is_visible_on_links_and_buttons(
    page: Page, account: Account, path: str, section_pages: list[str]
) -> None:
    """The header in tab order: the five sections, the actions, then the pages of the
    current section (on a page that has them)."""
    page.goto(path)
    expected: list[tuple[str, str | re.Pattern[str]]] = [
        ("link", "Skip to content"),
        ("link", "potwise home"),
        ("link", "Home"),
        ("link", "Money"),
        ("link", "Rules"),
        ("link", "Plan"),
        ("link", "Settings"),
        ("button", "Switch to dark theme"),
        ("link", re.compile(r"^Notices")),  # "Notices, 2 unread" once there are some
        ("button", "Sign out"),
        *[("link", name) for name in section_pages],
    ]
    for role, name in expected:
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_accessible_name(name)
        assert focused.evaluate("el => el.tagName.toLowerCase()") == (
            "a" if role == "link" else "button"
        )
        outline = outline_of(focused)
        assert outline["focusVisible"] == "true", (name, outline)
        assert outline["style"] != "none", (name, outline)
        assert float(outline["width"].removesuffix("px")) >= 2, (name, outline)
        box = focused.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0, (name, box)


def test_the_skip_link_moves_focus_to_the_main_content(page: Page, account: Account) -> None:
    page.goto("/settings")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_context(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[tuple[str, BrowserContext]]:
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
    yield name, context
    context.close()


def test_full_page_screenshots_in_light_and_dark(
    sized_context: tuple[str, BrowserContext], artifacts: Path
) -> None:
    """Saved under tests/e2e/artifacts/ for people to look at; the checks here are layout basics."""
    size, context = sized_context
    page = context.new_page()
    page.goto("/login")
    page.screenshot(path=artifacts / f"login-{size}-light.png", full_page=True)
    register(page)
    page.goto("/")

    for theme in ("light", "dark"):
        if theme == "dark":
            page.locator("#theme-toggle").click()
            expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        expect(page.get_by_role("heading", name="Nothing connected yet")).to_be_visible()
        no_sideways_scroll(page)
        page.screenshot(path=artifacts / f"dashboard-{size}-{theme}.png", full_page=True)
        page.goto("/settings")
        no_sideways_scroll(page)
        page.screenshot(path=artifacts / f"settings-{size}-{theme}.png", full_page=True)
        page.goto("/")

    for name in ("dashboard", "settings"):
        for theme in ("light", "dark"):
            assert (artifacts / f"{name}-{size}-{theme}.png").stat().st_size > 0


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"
