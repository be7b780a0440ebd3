"""Browser tests: the real app under uvicorn on a loopback port, driven by Debian's chromium.

One server per run (a temporary, migrated SQLite database); a fresh browser
context per test, and every test registers its own user, so tests do not
depend on each other or on their order.

The browser is never downloaded: only the system chromium at CHROMIUM is used.
When it is missing the tests are skipped, unless POTWISE_REQUIRE_BROWSER=1
(set in CI), in which case they fail.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)

from potwise.db import migrate
from potwise.db.engine import make_engine
from potwise.jobs.mail_sender import MailSender
from potwise.settings import load_settings
from potwise.web.app import create_app
from tests.support.loopback import loopback_socket, serve, url_of
from tests.support.smtp import Inbox, SmtpServer, link_in, smtp_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
PASSWORD = "correct horse battery staple"
DESKTOP = ViewportSize(width=1280, height=800)
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str

    def __call__(self, path: str) -> str:
        return self.url + path


@dataclass(frozen=True)
class Account:
    email: str
    password: str


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("POTWISE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"POTWISE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


#: The e2e server's mailbox: every message the app sent (a loopback SMTP server).
MAIL: dict[str, Inbox] = {}
#: The session's SMTP server, for a second app (another address) to send through.
SMTP: dict[str, SmtpServer] = {}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app, served by uvicorn from a background thread, sending its mail
    (the worker's sender beside it) to an SMTP server on loopback."""
    tmp = tmp_path_factory.mktemp("e2e")
    with smtp_server(tmp) as smtp:
        MAIL["inbox"] = smtp.inbox
        SMTP["server"] = smtp
        yield from _live_server(tmp, smtp)


def _live_server(tmp: Path, smtp: SmtpServer) -> Iterator[LiveServer]:
    sock = loopback_socket()
    url = url_of(sock)
    settings = load_settings(
        _env_file=None,
        env="development",
        database_url=f"sqlite:///{tmp}/e2e.db",
        data_dir=tmp / "data",
        public_url=url,
        registration_open=True,
        log_level="WARNING",
        **smtp.settings(),
    )
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    app = create_app(settings, engine=engine)
    sender = MailSender(app.state.connections, interval=0.1)
    sender.start()
    try:
        with serve(app, sock, start_timeout=20, lifespan="auto") as served:
            _wait_until_healthy(served)
            yield LiveServer(served, settings.database_url)
    finally:
        sender.stop()
        engine.dispose()


def _wait_until_healthy(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx2.get(f"{url}/api/v1/health", timeout=1.0)
            if response.status_code == 200:
                return
            last_error = f"status {response.status_code}"
        except httpx2.HTTPError as exc:
            last_error = repr(exc)
        time.sleep(0.05)
    raise RuntimeError(f"the test server did not become healthy: {last_error}")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(chromium_path: Path, playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(chromium_path), args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh context per test: no cookies or storage carried over; light system theme."""
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, color_scheme="light", locale="en-GB"
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def new_email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.com"


def mail_to(address: str, count: int = 1, timeout: float = 10.0) -> EmailMessage:
    """The `count`-th message the app sent to `address`, once it has arrived."""
    inbox = MAIL["inbox"]
    deadline = time.monotonic() + timeout
    while len(inbox.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    mine = inbox.to(address)
    assert len(mine) >= count, f"{len(mine)} of {count} messages to {address} arrived"
    return mine[count - 1]


def register(page: Page, email: str | None = None, password: str = PASSWORD) -> Account:
    """Create an account through the registration form, confirm the address with the
    link the e-mail brings, and sign in; ends on the dashboard."""
    account = Account(email or new_email(), password)
    page.goto("/register")
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_label("Repeat the password").fill(account.password)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("a message with a link to confirm it is on its way").wait_for()
    page.goto(link_in(mail_to(account.email)))
    page.get_by_role("button", name="Confirm my address").click()
    page.get_by_text("your address is confirmed").wait_for()
    page.goto("/login")
    sign_in(page, account)
    page.wait_for_url(re.compile(r"/$"))
    return account


def sign_in(page: Page, account: Account) -> None:
    """Fill and submit the sign-in form on the current /login page."""
    page.get_by_label("E-mail address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in", exact=True).click()


@pytest.fixture
def account(page: Page) -> Account:
    """A freshly registered user, signed in on `page`."""
    return register(page)


def sign_out(page: Page) -> None:
    """Press the header's "Sign out" button; ends on the sign-in page."""
    page.locator(".site-header").get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/login?flash=signed_out")
