"""The API reference at /api/docs renders the OpenAPI 3.1 document in the browser,
from this server alone, within its content security policy."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect

from tests.e2e.conftest import Account, LiveServer

pytestmark = pytest.mark.e2e

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
# Swagger UI is a 1.5 MB script that builds the page from the whole document: on a
# busy machine that takes a few seconds before the first operation shows.
RENDERED_MS = 30_000


def _watch(page: Page) -> tuple[list[str], list[str]]:
    """Console errors (a refused script or style among them) and every URL asked for."""
    errors: list[str] = []
    requested: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_request(request: Request) -> None:
        requested.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", on_request)
    return errors, requested


def _elsewhere(requested: list[str]) -> list[str]:
    return [
        url
        for url in requested
        if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).hostname not in LOOPBACK
    ]


def test_the_api_docs_list_the_operations_with_no_error_and_nothing_from_elsewhere(
    page: Page, live_server: LiveServer, artifacts: Path
) -> None:
    errors, requested = _watch(page)
    page.goto("/api/docs")

    accounts = page.locator(".opblock-summary-path[data-path='/api/v1/accounts']")
    expect(accounts.first).to_be_visible(timeout=RENDERED_MS)
    expect(page.get_by_text("Unable to render this definition")).to_have_count(0)
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/auth/login']")).to_have_count(1)
    # The security schemes are there to authorize with.
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()

    # An operation's responses show the project's error body for its 401.
    accounts.first.click()
    responses = page.locator(".opblock.is-open .responses-table").first
    expect(responses.locator("tr.response[data-code='401']")).to_be_visible()
    expect(responses).to_contain_text("unauthenticated")
    page.screenshot(path=artifacts / "api-docs-desktop-light.png")

    assert errors == []
    assert any(url.endswith("/api/openapi.json") for url in requested)
    assert _elsewhere(requested) == []


def test_a_signed_in_reader_can_try_an_operation_from_the_docs(
    page: Page, account: Account, live_server: LiveServer
) -> None:
    """ "Try it out" sends the page's own session cookie past the page's policy."""
    errors, requested = _watch(page)
    page.goto("/api/docs")
    me = page.locator(".opblock-summary-path[data-path='/api/v1/auth/me']").first
    expect(me).to_be_visible(timeout=RENDERED_MS)
    me.click()
    block = page.locator(".opblock.is-open").first
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    expect(block.locator(".live-responses-table")).to_contain_text(account.email)
    assert errors == []
    assert _elsewhere(requested) == []
