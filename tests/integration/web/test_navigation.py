"""The header's navigation: five sections, the current one marked, and the pages of that
section under it with the current page marked. The addresses are the public ones."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from potwise.web.ui.navigation import SECTIONS, section_of
from tests.integration.conftest import SignedIn

#: Every page the navigation reaches, by address (CONTRACT.md's public names).
ADDRESSES = {
    "/",
    "/accounts",
    "/transactions",
    "/transfers",
    "/connections",
    "/automations",
    "/spending",
    "/budgets",
    "/forecast",
    "/commitments",
    "/planned",
    "/categories",
    "/settings",
    "/settings/notifications",
}


def _nav(html: str, css_class: str) -> str | None:
    found = re.search(rf'<nav class="{css_class}".*?</nav>', html, re.S)
    return found.group(0) if found else None


def _current(nav: str) -> list[tuple[str, str]]:
    """(address, aria-current value) of each marked link."""
    links = re.findall(r"<a\b[^>]*>", nav)
    marked = []
    for link in links:
        state = re.search(r'aria-current="([^"]+)"', link)
        if state:
            href = re.search(r'href="([^"]+)"', link)
            assert href is not None
            marked.append((href.group(1), state.group(1)))
    return marked


def test_five_sections_hold_every_page_once_at_its_public_address() -> None:
    assert [s.name for s in SECTIONS] == ["Home", "Money", "Rules", "Plan", "Settings"]
    hrefs = [page.href for section in SECTIONS for page in section.pages]
    assert sorted(hrefs) == sorted(ADDRESSES)
    keys = [page.key for section in SECTIONS for page in section.pages]
    assert len(keys) == len(set(keys))
    assert section_of("transfers") is SECTIONS[1]
    assert section_of("commitments") is SECTIONS[3]
    assert section_of("no-such-page") is None
    assert section_of(None) is None


@pytest.mark.parametrize(
    ("path", "section", "state"),
    [
        ("/", "/", "page"),
        ("/accounts", "/accounts", "true"),
        ("/transactions", "/accounts", "true"),
        ("/transfers", "/accounts", "true"),
        ("/connections", "/accounts", "true"),
        ("/automations", "/automations", "page"),
        ("/automations/new", "/automations", "page"),
        ("/spending", "/spending", "true"),
        ("/budgets", "/spending", "true"),
        ("/forecast", "/spending", "true"),
        ("/commitments", "/spending", "true"),
        ("/planned", "/spending", "true"),
        ("/categories", "/spending", "true"),
        ("/settings", "/settings", "true"),
        ("/settings/notifications", "/settings", "true"),
    ],
)
def test_each_page_marks_its_section_and_itself(
    alice: SignedIn, path: str, section: str, state: str
) -> None:
    html = alice.client.get(path).text
    main = _nav(html, "main-nav")
    assert main is not None
    assert re.findall(r'href="([^"]+)"', main) == [
        "/",
        "/accounts",
        "/automations",
        "/spending",
        "/settings",
    ]
    assert _current(main) == [(section, state)]
    sub = _nav(html, "sub-nav")
    if state == "page":  # a section of one page has no second row
        assert sub is None
        return
    assert sub is not None
    holding = next(s for s in SECTIONS if s.href == section)
    assert f'aria-label="{holding.name} pages"' in sub
    assert re.findall(r'href="([^"]+)"', sub) == [p.href for p in holding.pages]
    assert _current(sub) == [(path, "page")]


def test_signed_out_pages_have_no_navigation(client: TestClient) -> None:
    html = client.get("/login").text
    assert _nav(html, "main-nav") is None
    assert _nav(html, "sub-nav") is None
