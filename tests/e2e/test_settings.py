"""The settings page: personal API tokens and changing the password."""

from __future__ import annotations

import re
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Account, LiveServer, sign_in, sign_out

pytestmark = pytest.mark.e2e


def test_an_api_token_is_shown_once_and_works_as_a_bearer_token(
    page: Page, account: Account, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto("/settings")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()

    page.get_by_label("Token name").fill("e2e-script")
    page.get_by_role("button", name="Create token").click()

    reveal = page.locator(".token-reveal")
    expect(reveal).to_contain_text("Token “e2e-script” created.")
    expect(reveal).to_contain_text("it will not be shown again")
    token = page.get_by_label("New API token").input_value()
    page.screenshot(path=artifacts / "settings-new-token-desktop-light.png", full_page=True)
    assert len(token) >= 32

    me = httpx2.get(live_server("/api/v1/auth/me"), headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert account.email in me.text

    page.goto("/settings")
    expect(page.get_by_label("New API token")).to_have_count(0)
    assert token not in page.content()
    row = page.get_by_role("row").filter(has_text="e2e-script")
    expect(row).to_be_visible()
    expect(row.locator("td.mono")).to_have_text(re.compile(r"^\S+…$"))
    assert token.startswith(row.locator("td.mono").inner_text().rstrip("…"))

    row.get_by_role("button", name="Revoke token e2e-script").click()
    expect(page.get_by_role("status")).to_have_text("The API token was revoked.")
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    gone = httpx2.get(live_server("/api/v1/auth/me"), headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401


def test_changing_the_password_on_settings(page: Page, account: Account) -> None:
    new_password = "a brand new passphrase for e2e"
    page.goto("/settings")
    page.get_by_label("Current password").fill(account.password)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat the new password").fill(new_password)
    page.get_by_role("button", name="Change password").click()

    expect(page).to_have_url(re.compile(r"/settings\?flash=password_changed$"))
    expect(page.get_by_role("status")).to_contain_text("Password changed.")

    sign_out(page)
    sign_in(page, account)
    expect(page.get_by_role("alert")).to_have_text("The e-mail address or password is not correct.")

    sign_in(page, Account(account.email, new_password))
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()


def test_a_wrong_current_password_does_not_change_it(page: Page, account: Account) -> None:
    page.goto("/settings")
    page.get_by_label("Current password").fill("not my password at all")
    page.get_by_label("New password", exact=True).fill("another long passphrase")
    page.get_by_label("Repeat the new password").fill("another long passphrase")
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("alert")).to_have_text("Your current password is not correct.")
    sign_out(page)
    sign_in(page, account)
    expect(page).to_have_url(re.compile(r"/$"))
