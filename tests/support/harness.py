"""A real bank sandbox on loopback, and the product pointed at it by its four URLs only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from potwise import clock
from potwise.banks.http import RetryPolicy
from potwise.sandbox.app import create_sandbox_app
from potwise.settings import Settings
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.accounts import verify_address
from tests.support.loopback import loopback_socket, serve, url_of

PUBLIC_URL = "http://127.0.0.1:8000"
FAST_RETRY = RetryPolicy(
    attempts=4, timeout=10.0, wait_initial=0.01, wait_max=0.1, wait_jitter=0.01
)


@dataclass
class Sandbox:
    url: str
    http: httpx2.Client
    user: str = "demo"

    def household(self) -> dict[str, Any]:
        return self.http.get(f"/_sandbox/users/{self.user}").raise_for_status().json()

    def approve_monzo(self) -> None:
        self.http.post(f"/_sandbox/users/{self.user}/monzo/approve").raise_for_status()

    def advance(self, duration: str) -> None:
        self.http.post("/_sandbox/clock", json={"advance": duration}).raise_for_status()

    def now(self) -> datetime:
        body = self.http.get("/_sandbox/clock").raise_for_status().json()
        value = body["now"] if isinstance(body, dict) else body
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))

    @property
    def clock_url(self) -> str:
        """The sandbox's clock, as `POTWISE_CLOCK_URL` names it."""
        return f"{self.url}/_sandbox/clock"

    @contextmanager
    def our_clock_in_step(self) -> Iterator[None]:
        """The product follows the sandbox's clock for the block, so both sides agree
        on what "today" is after the sandbox was sent ahead."""
        with clock.using(clock.RemoteClock(self.clock_url)):
            yield

    def fault(self, **fault: Any) -> None:
        self.http.post("/_sandbox/faults", json=fault).raise_for_status()

    def clear_faults(self) -> None:
        self.http.delete("/_sandbox/faults").raise_for_status()

    def add_transaction(self, **body: Any) -> dict[str, Any]:
        response = self.http.post(f"/_sandbox/users/{self.user}/transactions", json=body)
        return response.raise_for_status().json()


@contextmanager
def running_sandbox(**options: Any) -> Iterator[Sandbox]:
    app = create_sandbox_app(seed=7, years=1, **options)
    with serve(app) as url, httpx2.Client(base_url=url, timeout=30) as http:
        yield Sandbox(url=url, http=http)


def product_settings(tmp_path: Path, database_url: str, sandbox_url: str, **extra: Any) -> Settings:
    """The product pointed at the sandbox by the four documented URL settings, nothing else."""
    values: dict[str, Any] = {
        "public_url": PUBLIC_URL,
        "monzo_auth_url": f"{sandbox_url}/monzo/auth",
        "monzo_api_url": f"{sandbox_url}/monzo/api",
        "truelayer_auth_url": f"{sandbox_url}/truelayer/auth",
        "truelayer_api_url": f"{sandbox_url}/truelayer/api",
        "monzo_client_id": "potwise-sandbox",
        "monzo_client_secret": "sandbox-secret",
        "truelayer_client_id": "potwise-sandbox",
        "truelayer_client_secret": "sandbox-secret",
        **extra,
    }
    return make_settings(tmp_path, database_url, **values)


def product(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox, **extra: Any
) -> FastAPI:
    app = create_app(product_settings(tmp_path, database_url, sandbox.url, **extra), engine=engine)
    app.state.connections.gateway.retry = FAST_RETRY
    return app


def signed_in(app: FastAPI, email: str = "owner@example.com") -> TestClient:
    client = TestClient(app, base_url=PUBLIC_URL)
    client.post("/api/v1/auth/register", json={"email": email, "password": GOOD_PASSWORD})
    login = client.post("/api/v1/auth/login", json={"email": email, "password": GOOD_PASSWORD})
    assert login.status_code == 200, login.text
    verify_address(app.state.session_factory, email)
    return client


def connect(
    client: httpx2.Client, sandbox: Sandbox, provider: str, sandbox_provider: str | None = None
) -> httpx2.Response:
    """Walk the real OAuth flow: our start → the bank's authorize page → our callback."""
    started = client.post(f"/api/v1/connections/{provider}/start", json={})
    assert started.status_code == 200, started.text
    authorize = started.json()["authorize_url"]
    extra = f"&auto_approve=1&sandbox_user={sandbox.user}"
    if sandbox_provider:
        extra += f"&sandbox_provider={sandbox_provider}"
    with httpx2.Client(timeout=30) as browser:
        bank = browser.get(authorize + extra, follow_redirects=False)
    assert bank.status_code in (302, 303), bank.text[:500]
    location = bank.headers["location"]
    base = str(client.base_url).rstrip("/")
    assert location.startswith(f"{base}/connections/{provider}/callback?")
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def settle(client: TestClient, timeout: float = 60) -> None:
    """Wait until the app's background work queued so far (a connection's first sync and
    what its events set off: classification, rule runs) has finished.

    One task per background thread, all meeting at a barrier: they can only meet once
    every task queued before them is done."""
    pool = client.app.state.background  # type: ignore[attr-defined]
    workers = int(getattr(pool, "_max_workers", 2))
    barrier = threading.Barrier(workers)
    futures = [pool.submit(barrier.wait, timeout) for _ in range(workers)]
    for future in futures:
        future.result(timeout=timeout)


def wait_for_run(
    client: TestClient, connection_id: str, *, count: int = 1, timeout: float = 60
) -> list[dict[str, Any]]:
    """Finished sync runs of a connection, newest first, once `count` of them exist."""
    deadline = time.monotonic() + timeout
    while True:
        runs = client.get("/api/v1/sync/runs", params={"connection_id": connection_id}).json()[
            "items"
        ]
        finished = [r for r in runs if r["finished_at"] is not None]
        if len(finished) >= count:
            return finished
        if time.monotonic() > deadline:
            raise AssertionError(f"no finished sync run: {runs}")
        time.sleep(0.1)


@contextmanager
def served_product(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    sandbox: Sandbox,
    email: str,
    **extra: Any,
) -> Iterator[tuple[FastAPI, httpx2.Client]]:
    """The product served on loopback (so the sandbox can deliver its webhooks), and a
    client signed in to it as a new user `email`."""
    sock = loopback_socket()
    settings = product_settings(
        tmp_path, database_url, sandbox.url, public_url=url_of(sock), **extra
    )
    app = create_app(settings, engine=engine)
    app.state.connections.gateway.retry = FAST_RETRY
    with serve(app, sock) as url, httpx2.Client(base_url=url, timeout=60) as browser:
        account = {"email": email, "password": GOOD_PASSWORD}
        browser.post("/api/v1/auth/register", json=account)
        assert browser.post("/api/v1/auth/login", json=account).status_code == 200
        verify_address(app.state.session_factory, email)
        yield app, browser


def connect_monzo(browser: httpx2.Client, sandbox: Sandbox) -> dict[str, Any]:
    """Connect Monzo through its OAuth flow and approve the login in the sandbox's app."""
    assert connect(browser, sandbox, "monzo").status_code == 303
    sandbox.approve_monzo()
    monzo = next(
        c for c in browser.get("/api/v1/connections").json()["items"] if c["provider"] == "monzo"
    )
    assert browser.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
    return dict(monzo)


def amex_pot_rule(client: httpx2.Client, card: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create the card-pot rule "Amex pot": the "Credit card" pot covering the card
    (the first credit card listed when none is given); the rule as the API answered."""
    pot = next(p for p in client.get("/api/v1/pots").json()["items"] if p["name"] == "Credit card")
    if card is None:
        card = next(
            a for a in client.get("/api/v1/accounts").json()["items"] if a["kind"] == "credit_card"
        )
    created = client.post(
        "/api/v1/automations",
        json={
            "kind": "card_pot",
            "name": "Amex pot",
            "config": {"pot_id": pot["id"], "card_account_ids": [card["id"]]},
        },
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """Poll `check` until it answers something true (returned), or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
