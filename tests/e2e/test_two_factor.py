"""Two-factor authentication in a browser: set it up from Settings with the key the
page shows, sign out, sign in with the password and a code, then with a recovery
code once (a second use refused)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Account, sign_in, sign_out

pytestmark = pytest.mark.e2e


def _code_step(page: Page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_enrol_then_sign_in_with_a_code_and_a_recovery_code(
    page: Page, account: Account, artifacts: Path
) -> None:
    page.goto("/settings")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    page.screenshot(path=artifacts / "two-factor-enrol.png", full_page=True)
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_role("list", name="Recovery codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()

    sign_out(page)
    sign_in(page, account)
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    # The code that confirmed enrolment is spent; the app's next code is in the window.
    _code_step(page, totp.at(time.time() + 30))
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".site-header")).to_contain_text(account.email)

    sign_out(page)
    sign_in(page, account)
    _code_step(page, codes[0])
    expect(page).to_have_url(re.compile(r"/$"))

    sign_out(page)
    sign_in(page, account)
    _code_step(page, codes[0])
    expect(page.get_by_role("alert")).to_contain_text("already used")
    expect(page.locator(".site-header").get_by_role("button", name="Sign out")).to_have_count(0)
