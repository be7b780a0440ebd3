"""`potwise demo`: the bank sandbox and the app in one process, a demo user connected
to sandbox Monzo, American Express and Barclaycard through the real OAuth flows.

The app is configured exactly as for real banks, with the four bank URLs
pointing at the sandbox; the demo then acts as the user's browser over HTTP
(sign in, start connecting, pass the bank's authorize page, land on the
callback) and approves the Monzo login in the sandbox's "app".
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

from potwise import demo_env
from potwise.domain.errors import DomainError
from potwise.settings import Settings
from potwise.web.serving import UVICORN_OPTIONS

DEMO_EMAIL = "demo@potwise.local"
DEMO_PASSWORD = "demo-potwise-pounds"  # noqa: S105 - a local demo login, printed on purpose
SANDBOX_USER = "demo"
CARD_PROVIDERS = ("ob-amex", "uk-ob-barclaycard")


class DemoError(Exception):
    """The demo could not be set up; the message says where it stopped."""


@dataclass
class Server:
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def start_server(app: Any, port: int) -> Server:
    """Serve an ASGI app on 127.0.0.1:port in a thread; returns once it accepts requests."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise DemoError(f"the server on port {port} did not start")
        time.sleep(0.05)
    return Server(server, thread)


def demo_settings(settings: Settings, *, port: int, sandbox_port: int) -> Settings:
    """The user's settings with the bank URLs pointed at the local sandbox."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    return settings.model_copy(
        update={
            "public_url": f"http://127.0.0.1:{port}",
            "monzo_auth_url": f"{sandbox}/monzo/auth",
            "monzo_api_url": f"{sandbox}/monzo/api",
            "truelayer_auth_url": f"{sandbox}/truelayer/auth",
            "truelayer_api_url": f"{sandbox}/truelayer/api",
            "monzo_client_id": "potwise-sandbox",
            "monzo_client_secret": settings.monzo_client_secret or _secret("sandbox-secret"),
            "truelayer_client_id": "potwise-sandbox",
            "truelayer_client_secret": settings.truelayer_client_secret
            or _secret("sandbox-secret"),
            # The product follows the sandbox's clock, so moving it (or playing household
            # life) moves the scheduler, cooldowns and allowance windows too.
            "clock_url": f"{sandbox}/_sandbox/clock",
        }
    )


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


class Browser:
    """The demo user's browser, talking HTTP to our app and to the bank's pages."""

    def __init__(self, app_url: str, sandbox_url: str) -> None:
        self.app_url = app_url
        self.sandbox_url = sandbox_url
        self.http = httpx2.Client(base_url=app_url, timeout=120, follow_redirects=False)

    def close(self) -> None:
        self.http.close()

    def sign_in(self) -> None:
        response = self.http.post(
            "/api/v1/auth/login", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
        )
        if response.status_code != 200:
            raise DemoError(f"signing in as the demo user failed ({response.status_code})")

    def connect(self, provider: str, sandbox_provider: str | None = None) -> None:
        started = self.http.post(
            f"/api/v1/connections/{provider}/start",
            json={"provider_id": sandbox_provider} if sandbox_provider else {},
        )
        if started.status_code != 200:
            raise DemoError(f"starting the {provider} connection failed: {started.text[:200]}")
        authorize = started.json()["authorize_url"]
        extra = f"&sandbox_user={SANDBOX_USER}&auto_approve=1"
        if sandbox_provider:
            extra += f"&sandbox_provider={sandbox_provider}"
        bank = httpx2.get(authorize + extra, follow_redirects=False, timeout=60)
        location = bank.headers.get("location", "")
        if bank.status_code not in (302, 303) or not location.startswith(self.app_url):
            raise DemoError(f"the {provider} authorize page did not send us back")
        landed = self.http.get(location.removeprefix(self.app_url))
        if landed.status_code != 303:
            raise DemoError(f"the {provider} callback failed ({landed.status_code})")

    def connections(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.http.get("/api/v1/connections").json()["items"]
        return items

    def approve_monzo(self) -> None:
        approved = httpx2.post(
            f"{self.sandbox_url}/_sandbox/users/{SANDBOX_USER}/monzo/approve", timeout=30
        )
        approved.raise_for_status()
        for connection in self.connections():
            if connection["provider"] == "monzo":
                check = self.http.post(f"/api/v1/connections/{connection['id']}/approval")
                if not check.json().get("approved"):
                    raise DemoError("Monzo did not report the in-app approval")

    def wait_for_first_syncs(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.http.get("/api/v1/sync/runs", params={"limit": 50}).json()["items"]
            finished = {r["connection_id"] for r in runs if r["finished_at"] is not None}
            if all(c["id"] in finished for c in self.connections()):
                return
            time.sleep(0.5)
        raise DemoError("the first syncs did not finish in time")

    def create_card_pot_rule(self) -> dict[str, Any] | None:
        """The demo's credit-card pot rule: the "Credit card" pot covers both cards."""
        pots = self.http.get("/api/v1/pots").json()["items"]
        pot = next((p for p in pots if p["name"].lower() == "credit card"), None)
        cards = [
            a
            for a in self.http.get("/api/v1/accounts").json()["items"]
            if a["kind"] == "credit_card"
        ]
        if pot is None or not cards:
            return None
        created = self.http.post(
            "/api/v1/automations",
            json={
                "kind": "card_pot",
                "name": "Cover my credit cards",
                "config": {"pot_id": pot["id"], "card_account_ids": [c["id"] for c in cards]},
            },
        )
        if created.status_code != 201:
            raise DemoError(f"creating the demo card-pot rule failed: {created.text[:200]}")
        rule: dict[str, Any] = created.json()
        ran = self.http.post(f"/api/v1/automations/{rule['id']}/run")
        if ran.status_code != 200:
            raise DemoError(f"the first run of the card-pot rule failed ({ran.status_code})")
        rule["first_run"] = ran.json()
        return rule


def prepare(settings: Settings, session_factory: Any, ctx: Any) -> None:
    """Create the demo login, and forget connections from an earlier demo (their
    tokens belonged to a sandbox that no longer runs)."""
    from sqlalchemy import select

    from potwise.db.models import Connection, User
    from potwise.services import auth, connections
    from potwise.services.automations import rules

    with session_factory() as db:
        try:
            auth.create_user(db, email=DEMO_EMAIL, password=DEMO_PASSWORD)
        except DomainError as exc:
            if exc.code != "conflict":
                raise
        user_id = db.scalar(select(User.id).where(User.email == DEMO_EMAIL))
        old = list(db.scalars(select(Connection.id).where(Connection.user_id == user_id)))
        for rule in rules.list_rules(db, str(user_id)):
            rules.delete(db, str(user_id), rule.id)
    for connection_id in old:
        connections.disconnect(ctx, str(user_id), connection_id)


def connect_everything(
    app_url: str, sandbox_url: str
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Connect the three sandbox banks as the user would, then create the card-pot rule."""
    browser = Browser(app_url, sandbox_url)
    try:
        browser.sign_in()
        browser.connect("monzo")
        browser.approve_monzo()
        for provider in CARD_PROVIDERS:
            browser.connect("truelayer", provider)
        browser.wait_for_first_syncs()
        rule = browser.create_card_pot_rule()
        return browser.connections(), rule
    finally:
        browser.close()


@dataclass
class RunningDemo:
    """The demo once it is up: its servers, what it connected, and its file."""

    settings: Settings
    app_url: str
    sandbox_url: str
    web: Any
    servers: list[Server]
    connected: list[dict[str, Any]] = field(default_factory=list)
    rule: dict[str, Any] | None = None
    env_file: Path | None = None

    def stop(self) -> None:
        """Remove the demo's file, then stop the app and the sandbox."""
        if self.env_file is not None:
            demo_env.remove(self.env_file)
            self.env_file = None
        for server in self.servers:
            server.stop()


def start(
    settings: Settings,
    *,
    port: int,
    sandbox_port: int,
    years: int = 1,
    say: Callable[[str], None] = lambda _: None,
) -> RunningDemo:
    """Start the sandbox and the app on a migrated database, connect the demo user, and
    once all of that (and the work it set off) is done, write the demo's file."""
    from potwise.sandbox.app import create_sandbox_app
    from potwise.web.app import create_app

    say(f"starting the bank sandbox ({years} year(s) of history) and the app...")
    sandbox_url, app_url = f"http://127.0.0.1:{sandbox_port}", f"http://127.0.0.1:{port}"
    servers = [start_server(create_sandbox_app(years=years), sandbox_port)]
    web = create_app(settings)
    demo = RunningDemo(settings, app_url, sandbox_url, web, servers)
    try:
        servers.append(start_server(web, port))
        prepare(settings, web.state.session_factory, web.state.connections)
        say("connecting Monzo, American Express and Barclaycard (real OAuth flows)...")
        demo.connected, demo.rule = connect_everything(app_url, sandbox_url)
        wait_for_background(web.state.background)
        demo.env_file = demo_env.write(settings, sandbox_url=sandbox_url)
    except BaseException:
        demo.stop()
        raise
    return demo


def wait_for_background(pool: Any, timeout: float = 120) -> None:
    """Wait until the app's background work queued so far is done (one task per worker,
    meeting at a barrier: they can only meet once everything before them has run)."""
    workers = int(getattr(pool, "_max_workers", 1))
    barrier = threading.Barrier(workers)
    for future in [pool.submit(barrier.wait, timeout) for _ in range(workers)]:
        future.result(timeout=timeout)
