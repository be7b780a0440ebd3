"""On an instance others can sign up to, webhook and push addresses that lead inside
(loopback, the LAN, link-local, a cloud's metadata service) are refused with a
plain reason, when saved and again when connecting; a household's own instance
(`POTWISE_NOTIFY_ALLOW_PRIVATE`, or registration closed) may use its LAN. Redirects
are never followed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from potwise import clock
from potwise.db.engine import make_session_factory
from potwise.services.notifications import sender, webpush
from potwise.services.notifications.destinations import Destinations, destinations_for
from potwise.services.notify import notify
from potwise.settings import Settings
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.integration.conftest import SignedIn, sign_up
from tests.support.loopback import serve
from tests.support.receiver import Receiver, webhook_receiver

INSIDE = [
    ("https://127.0.0.1/hook", "loopback"),
    ("https://127.0.0.1:8443/hook", "loopback"),
    ("https://10.1.2.3/hook", "private network"),
    ("https://192.168.1.20/hook", "private network"),
    ("https://169.254.169.254/latest/meta-data/", "cloud metadata"),
    ("https://[::1]/hook", "loopback"),
    ("https://localhost/hook", "loopback"),  # a name resolving to loopback
]


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """A shared instance: anyone may register, private addresses not allowed."""
    return make_settings(tmp_path, database_url, registration="open")


def _subscription(endpoint: str) -> dict[str, Any]:
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    encode = base64.urlsafe_b64encode
    return {
        "endpoint": endpoint,
        "keys": {"p256dh": encode(point).decode(), "auth": encode(b"x" * 16).decode()},
    }


def _add(user: SignedIn, kind: str, url: str) -> Any:
    body: dict[str, Any] = (
        {"kind": "webhook", "url": url}
        if kind == "webhook"
        else {"kind": "webpush", "subscription": _subscription(url)}
    )
    return user.client.post("/api/v1/notifications/channels", json=body)


@pytest.mark.parametrize("kind", ["webhook", "webpush"])
@pytest.mark.parametrize(("url", "reason"), INSIDE)
def test_a_shared_instance_refuses_addresses_inside(
    alice: SignedIn, kind: str, url: str, reason: str
) -> None:
    answer = _add(alice, kind, url)
    assert answer.status_code == 400, answer.text
    message = answer.json()["error"]["message"]
    assert message.startswith("Refused: ")
    assert reason in message
    assert "POTWISE_NOTIFY_ALLOW_PRIVATE" in message
    assert alice.client.get("/api/v1/notifications/channels").json()["items"] == []


@pytest.mark.parametrize("kind", ["webhook", "webpush"])
def test_a_shared_instance_sends_over_https_only(alice: SignedIn, kind: str) -> None:
    answer = _add(alice, kind, "http://hooks.example.org/hook")
    assert answer.status_code == 400
    assert "https://" in answer.json()["error"]["message"]


def test_the_webhook_form_says_why_an_address_was_refused(alice: SignedIn) -> None:
    page = alice.client.post(
        "/settings/notifications/webhooks",
        data={"name": "Metadata", "url": "https://169.254.169.254/", "format": "json"},
    )
    assert page.status_code == 400
    assert "a cloud metadata address" in page.text
    assert "must be public and start with https://" in page.text


@pytest.mark.parametrize("overrides", [{"notify_allow_private": True}, {"registration": "closed"}])
@pytest.mark.parametrize("kind", ["webhook", "webpush"])
def test_a_households_instance_may_use_its_own_network(
    tmp_path: Path, database_url: str, engine: Engine, overrides: dict[str, Any], kind: str
) -> None:
    app = create_app(make_settings(tmp_path, database_url, **overrides), engine=engine)
    if overrides.get("registration") == "closed":
        user = _operator_user(app)
    else:
        user = sign_up(app, "alice@example.com")
    for url, _ in INSIDE:
        assert _add(user, kind, url).status_code == 201, url
    assert _add(user, kind, "http://192.168.1.20:8080/hook").status_code == 201


def _operator_user(app: FastAPI) -> SignedIn:
    """With registration closed, the operator makes the account (`potwise user create`)."""
    from fastapi.testclient import TestClient

    from potwise.services.auth import create_user

    with app.state.session_factory() as db:
        user = create_user(db, email="home@example.com", password="correct horse battery staple")
    client = TestClient(app)
    login = client.post(
        "/api/v1/auth/login",
        json={"email": "home@example.com", "password": "correct horse battery staple"},
    )
    assert login.status_code == 200, login.text
    return SignedIn(client, user.id, "home@example.com", "correct horse battery staple")


def _send(engine: Engine, app: FastAPI, guard: Destinations) -> int:
    settings = app.state.settings
    return sender.send_due(
        make_session_factory(engine),
        app.state.connections.vault,
        clock.now(),
        fallback_zone="Europe/London",
        senders=sender.default_senders(
            destinations=guard, webpush=webpush.sender_for(settings, guard)
        ),
    )


@pytest.mark.parametrize("kind", ["webhook", "webpush"])
def test_the_address_is_checked_again_when_connecting(
    alice: SignedIn, engine: Engine, kind: str
) -> None:
    # Saved while the name did not resolve from here; by the time of sending it
    # resolves to this server's loopback (a rebinding name): refused, nothing sent.
    assert _add(alice, kind, "https://push.example.invalid/hook").status_code == 201
    with Session(engine) as db:
        notify(db, alice.user_id, "transfer_failed", "A move failed.", level="error")
        db.commit()
    rebound = Destinations(allow_private=False, resolve=lambda host, port: ["127.0.0.1"])
    assert _send(engine, alice.client.app, rebound) == 1  # type: ignore[arg-type]
    (logged,) = alice.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert logged["status"] == "failed"
    assert logged["last_error"].startswith("Refused: push.example.invalid is a loopback address")


@pytest.fixture
def redirecting() -> Iterator[tuple[str, Receiver]]:
    """A receiver that sends everything on to a second one, on loopback."""
    with webhook_receiver() as target:

        async def hop(request: Request) -> Response:
            return RedirectResponse(target.url + "/stolen", status_code=307)

        app = Starlette(routes=[Route("/{rest:path}", hop, methods=["POST"])])
        with serve(app, lifespan="off") as url:
            yield url, target


def test_a_redirect_is_never_followed(
    tmp_path: Path, database_url: str, engine: Engine, redirecting: tuple[str, Receiver]
) -> None:
    first, target = redirecting
    app = create_app(
        make_settings(tmp_path, database_url, notify_allow_private=True), engine=engine
    )
    user = sign_up(app, "alice@example.com")
    assert _add(user, "webhook", first + "/hook").status_code == 201
    with Session(engine) as db:
        notify(db, user.user_id, "transfer_failed", "A move failed.", level="error")
        db.commit()
    assert _send(engine, app, destinations_for(app.state.settings)) == 1
    assert target.taken() == []
    (logged,) = user.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert logged["status"] == "failed"
    assert logged["last_error"] == (
        "the receiver answered 307, a redirect: potwise does not follow redirects, "
        "give the final address"
    )
