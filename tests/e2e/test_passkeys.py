"""Passkeys in a real browser: Chromium's virtual authenticator (a platform
authenticator with user verification) registers a passkey from Settings, signs in
with it alone, answers the second step of a password sign-in, and is removed.

WebAuthn has no relying party for an IP address, so this module serves the app
at http://localhost:PORT (its public URL) rather than 127.0.0.1.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.jobs.mail_sender import MailSender
from potwise.settings import load_settings
from potwise.web.app import create_app
from tests.e2e.conftest import (
    DESKTOP,
    SMTP,
    TIMEOUT_MS,
    Account,
    LiveServer,
    register,
    sign_in,
    sign_out,
)
from tests.support.loopback import loopback_socket, serve
from tests.support.smtp import link_in, text_of

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def localhost_url(
    tmp_path_factory: pytest.TempPathFactory, live_server: LiveServer
) -> Iterator[str]:
    """The app at http://localhost:PORT, sending its mail through the session's SMTP
    server (so `register` reads its confirmation link from the same inbox)."""
    tmp = tmp_path_factory.mktemp("passkeys")
    sock = loopback_socket()
    url = f"http://localhost:{sock.getsockname()[1]}"
    settings = load_settings(
        _env_file=None,
        env="development",
        database_url=f"sqlite:///{tmp}/e2e.db",
        data_dir=tmp / "data",
        public_url=url,
        registration_open=True,
        log_level="WARNING",
        **SMTP["server"].settings(),
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    app = create_app(settings, engine=engine)
    sender = MailSender(app.state.connections, interval=0.1)
    sender.start()
    try:
        with serve(app, sock, start_timeout=20, lifespan="auto"):
            yield url
    finally:
        sender.stop()
        engine.dispose()


@pytest.fixture
def local_context(browser: Browser, localhost_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=localhost_url, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def local_page(local_context: BrowserContext) -> Page:
    return local_context.new_page()


def _authenticator(page: Page) -> CDPSession:
    """A virtual platform authenticator that keeps discoverable credentials and
    verifies the user (as a phone's screen lock would)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def _add_passkey(page: Page, name: str) -> None:
    page.goto("/settings")
    page.get_by_label("Passkey name").fill(name)
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_url(re.compile(r"/settings\?flash=passkey_added$"))
    expect(page.get_by_role("list", name="Your passkeys")).to_contain_text(name)


def test_register_a_passkey_and_sign_in_with_it_alone(local_page: Page, artifacts: Path) -> None:
    _authenticator(local_page)
    account = register(local_page)
    _add_passkey(local_page, "Laptop")
    expect(local_page.get_by_role("list", name="Your passkeys")).to_contain_text("not used yet")
    local_page.screenshot(path=artifacts / "passkeys-settings.png", full_page=True)

    sign_out(local_page)
    local_page.get_by_role("button", name="Sign in with a passkey").click()
    local_page.wait_for_url(re.compile(r"/$"))
    expect(local_page.locator(".site-header")).to_contain_text(account.email)

    local_page.goto("/settings")
    expect(local_page.get_by_role("list", name="Your passkeys")).to_contain_text("last used")
    local_page.get_by_role("button", name="Remove passkey Laptop").click()
    expect(local_page.get_by_role("status")).to_contain_text("The passkey was removed.")

    sign_out(local_page)
    local_page.get_by_role("button", name="Sign in with a passkey").click()
    expect(local_page.get_by_role("alert")).to_contain_text("not known here")
    expect(local_page).to_have_url(re.compile(r"/login"))


def test_a_passkey_answers_the_second_step_of_a_password_sign_in(local_page: Page) -> None:
    _authenticator(local_page)
    account = register(local_page)
    _add_passkey(local_page, "Phone")
    local_page.get_by_role("button", name="Set up two-factor authentication").click()
    secret = local_page.locator("#totp-secret").inner_text().strip()
    local_page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).at(time.time()))
    local_page.get_by_role("button", name="Turn on").click()
    expect(local_page.get_by_role("list", name="Recovery codes")).to_be_visible()

    sign_out(local_page)
    sign_in(local_page, account)
    expect(local_page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    local_page.get_by_role("button", name="Use a passkey instead").click()
    local_page.wait_for_url(re.compile(r"/$"))
    expect(local_page.locator(".site-header")).to_contain_text(account.email)


FOREIGN_ANSWER = """async (pending) => {
  const bytes = (t) => Uint8Array.from(atob(t.replace(/-/g, "+").replace(/_/g, "/")
    + "===".slice((t.length + 3) % 4)), (c) => c.charCodeAt(0)).buffer;
  const text = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
    .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const post = (url, body) => fetch(url, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  const options = await (await post("/api/v1/auth/passkeys/login/options",
    {pending_token: pending})).json();
  options.challenge = bytes(options.challenge);
  options.allowCredentials = [];  // let any passkey on the device answer
  const c = await navigator.credentials.get({publicKey: options});
  const answer = await post("/api/v1/auth/passkeys/login", {credential: {
    id: c.id, rawId: text(c.rawId), type: c.type,
    response: {clientDataJSON: text(c.response.clientDataJSON),
      authenticatorData: text(c.response.authenticatorData),
      signature: text(c.response.signature),
      userHandle: c.response.userHandle ? text(c.response.userHandle) : null},
    clientExtensionResults: {}}});
  return {status: answer.status, body: await answer.json()};
}"""


def test_another_user_s_passkey_cannot_answer_someone_s_second_step(local_page: Page) -> None:
    """Ann's password is right and her second step is due; Bob's passkey (the only
    one on this device) signs the challenge, and the server refuses it: that
    challenge was issued for Ann's passkeys alone."""
    _authenticator(local_page)
    ann = register(local_page)
    _add_passkey(local_page, "Ann's laptop")
    local_page.get_by_role("button", name="Set up two-factor authentication").click()
    secret = local_page.locator("#totp-secret").inner_text().strip()
    local_page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).at(time.time()))
    local_page.get_by_role("button", name="Turn on").click()
    sign_out(local_page)

    # A second device context for Bob: his passkey lives on another authenticator.
    local_page.context.clear_cookies()
    other = local_page.context.new_page()
    cdp_other = _authenticator(other)
    bob = register(other)
    _add_passkey(other, "Bob's laptop")
    sign_out(other)

    sign_in(other, ann)  # Ann's password typed on Bob's device
    expect(other.get_by_role("heading", name="Two-factor code")).to_be_visible()
    pending = other.locator("input[name=pending_token]").input_value()
    result = other.evaluate(FOREIGN_ANSWER, pending)
    assert result["status"] == 401, result
    assert result["body"]["error"]["code"] == "invalid_credentials"
    other.goto("/api/v1/auth/me")
    assert "unauthenticated" in other.content()
    assert bob.email and cdp_other


def _turn_on_two_factor(page: Page) -> tuple[pyotp.TOTP, list[str]]:
    page.goto("/settings")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text().strip())
    page.get_by_label("Code from your app").fill(totp.at(time.time()))
    page.get_by_role("button", name="Turn on").click()
    return totp, page.get_by_role("list", name="Recovery codes").locator("li").all_inner_texts()


def _sign_in_with(page: Page, account: Account, code: str) -> None:
    """Password, then the code step; the caller checks where it ends."""
    page.goto("/login")
    sign_in(page, account)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _reset_password(page: Page, address: str, new_password: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("E-mail address").fill(address)
    page.get_by_role("button", name="Send me a link").click()
    page.goto(link_in(_reset_mail(address)))
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat the new password").fill(new_password)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url(re.compile(r"/login\?flash=password_reset$"))


def test_the_whole_journey_of_an_account(
    local_page: Page, browser: Browser, localhost_url: str
) -> None:
    """Register and confirm by the e-mailed link, turn on two-factor, sign in with a
    code, then with a recovery code once (a second use refused), add a passkey and
    sign in with it alone, then reset the password by e-mail: every session, this
    browser's and another's, is signed out."""
    home = re.compile(r"/$")
    _authenticator(local_page)
    account = register(local_page)  # confirms the address through its e-mail
    totp, codes = _turn_on_two_factor(local_page)

    sign_out(local_page)
    _sign_in_with(local_page, account, totp.at(time.time() + 30))  # the next step's code
    local_page.wait_for_url(home)
    sign_out(local_page)
    _sign_in_with(local_page, account, codes[0])
    local_page.wait_for_url(home)
    sign_out(local_page)
    _sign_in_with(local_page, account, codes[0])
    expect(local_page.get_by_role("alert")).to_contain_text("already used")
    _sign_in_with(local_page, account, codes[1])
    local_page.wait_for_url(home)

    _add_passkey(local_page, "Laptop")
    sign_out(local_page)
    local_page.get_by_role("button", name="Sign in with a passkey").click()
    local_page.wait_for_url(home)

    # A second browser signed in too, with the password and a recovery code.
    elsewhere = browser.new_context(base_url=localhost_url, viewport=DESKTOP, locale="en-GB")
    other = elsewhere.new_page()
    _sign_in_with(other, account, codes[2])
    other.wait_for_url(home)

    sign_out(local_page)
    new = Account(account.email, "an entirely new passphrase")
    _reset_password(local_page, account.email, new.password)
    other.goto("/settings")
    expect(other).to_have_url(re.compile(r"/login"))  # that session was signed out too
    elsewhere.close()
    _sign_in_with(local_page, new, codes[3])
    local_page.wait_for_url(home)


def _reset_mail(address: str) -> EmailMessage:
    """The reset message to `address`, once it has arrived (other mail came before it:
    the confirmation and the security notices)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in SMTP["server"].inbox.to(address):
            if "/reset-password?" in text_of(message):
                return message
        time.sleep(0.05)
    raise AssertionError(f"no reset message to {address}")
