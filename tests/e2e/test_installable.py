"""The installable app in Chromium: the manifest is valid, the service worker registers
and controls the page, Chromium finds nothing stopping an install, and without a
connection the offline page says the figures need one (nothing with figures is
ever cached)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    DESKTOP,
    TIMEOUT_MS,
    LiveServer,
    register,
)

PRECACHED = {
    "/static/offline.html",
    "/static/css/app.css",
    "/static/favicon.svg",
    "/static/icons/icon-192.png",
}


@pytest.fixture
def installed_profile(
    playwright_instance: Playwright,
    chromium_path: Path,
    live_server: LiveServer,
    tmp_path: Path,
) -> Iterator[BrowserContext]:
    """A browser with a profile on disk: Chromium never offers to install an app from
    an incognito-like context, which is what a plain new context is."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(chromium_path),
        args=CHROMIUM_ARGS,
        base_url=live_server.url,
        viewport=DESKTOP,
        locale="en-GB",
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def _controlled(page: Page) -> None:
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def test_the_app_is_installable_and_its_worker_controls_the_page(
    installed_profile: BrowserContext, live_server: LiveServer
) -> None:
    page = installed_profile.pages[0] if installed_profile.pages else installed_profile.new_page()
    register(page)
    _controlled(page)
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.scope)")
    assert scope == live_server("/")

    cdp = installed_profile.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest")
    assert manifest["errors"] == []
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []


def test_offline_the_page_says_figures_need_a_connection(
    context: BrowserContext, page: Page
) -> None:
    register(page)
    _controlled(page)
    page.goto("/settings/notifications")  # a page of figures, fetched while online
    # Only the offline page and static files are kept: no page, no API answer.
    cached = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
            }
            return urls;
        }"""
    )
    assert set(cached) == PRECACHED

    context.set_offline(True)
    try:
        page.goto("/")
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        expect(page.get_by_text("needs a connection to show your figures")).to_be_visible()
        assert page.get_by_text(re.compile("£")).count() == 0
        page.goto("/accounts")
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    finally:
        context.set_offline(False)
    page.goto("/")
    expect(page.get_by_role("heading", name="You are offline")).to_have_count(0)


def test_the_notifications_page_offers_to_notify_this_device(page: Page) -> None:
    register(page)
    page.goto("/settings/notifications")
    button = page.get_by_role("button", name="Notify this device")
    expect(button).to_be_enabled()
    expect(page.get_by_label(re.compile("Show amounts on this device"))).not_to_be_checked()
