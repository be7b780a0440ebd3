"""Registration, sign-in and sign-out, driven through the real forms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Account, mail_to, register, sign_in, sign_out
from tests.support.smtp import link_in

pytestmark = pytest.mark.e2e


def test_registering_confirming_by_e_mail_and_signing_in_lands_on_the_dashboard(
    page: Page,
) -> None:
    account = register(page)

    expect(page).to_have_title(re.compile(r"^Dashboard"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.locator(".verify-banner")).to_have_count(0)  # the address is confirmed
    expect(page.get_by_role("heading", name="Nothing connected yet")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text(account.email)
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Home")
    ).to_have_attribute("aria-current", "page")


def test_signing_out_and_back_in_through_the_login_form(page: Page, account: Account) -> None:
    sign_out(page)

    expect(page).to_have_url(re.compile(r"/login\?flash=signed_out$"))
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))

    sign_in(page, account)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Nothing connected yet")).to_be_visible()
    expect(page.locator(".site-header")).to_contain_text(account.email)


def test_a_wrong_password_shows_an_error_and_stays_on_login(
    page: Page, account: Account, artifacts: Path
) -> None:
    sign_out(page)

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        sign_in(page, Account(account.email, account.password + "-nope"))

    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("The e-mail address or password is not correct.")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("E-mail address")).to_have_value(account.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    page.locator("#theme-toggle").click()
    page.screenshot(path=artifacts / "login-error-desktop-dark.png", full_page=True)


def test_an_unauthenticated_visit_to_settings_returns_there_after_sign_in(
    page: Page, account: Account
) -> None:
    sign_out(page)

    page.goto("/settings")
    expect(page).to_have_url(re.compile(r"/login\?next=/settings$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in(page, account)

    expect(page).to_have_url(re.compile(r"/settings$"))
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()
    expect(page.get_by_text(f"Signed in as {account.email}.")).to_be_visible()


def test_forgot_password_by_e_mail_then_sign_in_with_the_new_one(
    page: Page, account: Account
) -> None:
    sign_out(page)
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account has that address")

    # The second message to this address (the first confirmed it).
    link = link_in(mail_to(account.email, 2))
    page.goto(link)
    new = Account(account.email, "a brand new long passphrase")
    page.get_by_label("New password", exact=True).fill(new.password)
    page.get_by_label("Repeat the new password").fill(new.password)
    page.get_by_role("button", name="Set the new password").click()
    expect(page).to_have_url(re.compile(r"/login\?flash=password_reset$"))
    expect(page.get_by_role("status")).to_contain_text("Your password was changed")

    sign_in(page, new)
    expect(page).to_have_url(re.compile(r"/$"))

    page.goto(link)  # the link worked once
    expect(page.get_by_role("alert")).to_have_text(
        "This link has already been used. Ask for a new one."
    )
