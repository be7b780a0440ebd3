"""Web Push end to end without the internet: a "browser" made of the test's own P-256
key and auth secret subscribes with an endpoint that is a real HTTP receiver on
loopback; the receiver checks the VAPID token as a push service would and decrypts
the payload (RFC 8291) as the browser would. A push service's 410 removes the device."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.engine import make_session_factory
from potwise.db.models import NotificationChannel
from potwise.services.notifications import sender, webpush
from potwise.services.notifications.destinations import destinations_for
from potwise.services.notify import notify
from potwise.settings import Settings
from potwise.web.app import create_app
from tests.integration.conftest import SignedIn, sign_up
from tests.support.receiver import Received, Receiver, webhook_receiver


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """What a browser keeps for one push subscription: its key pair and auth secret."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"  # 16 bytes, as browsers make them

    def subscription(self, endpoint: str) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": endpoint, "keys": {"p256dh": _b64(point), "auth": _b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def vapid_claims(authorization: str, server_key: str) -> dict[str, Any]:
    """The claims of a `vapid t=<JWT>,k=<key>` header, after checking, as a push
    service does, that the JWT is ES256-signed by the key the browser subscribed with."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(item.split("=", 1) for item in params.split(","))
    assert parts["k"] == server_key
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    assert json.loads(_unb64(header_b64)) == {"typ": "JWT", "alg": "ES256"}
    signature = _unb64(signature_b64)
    assert len(signature) == 64  # JWS: r || s, not DER
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(server_key))
    public.verify(
        encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        ),
        f"{header_b64}.{claims_b64}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    return dict(json.loads(_unb64(claims_b64)))


@pytest.fixture
def push_service() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        running.answer = 201
        yield running


def _subscribe(user: SignedIn, browser: Browser, endpoint: str, **extra: Any) -> dict[str, Any]:
    answer = user.client.post(
        "/api/v1/notifications/channels",
        json={"kind": "webpush", "subscription": browser.subscription(endpoint), **extra},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json()["channel"])


def _notice(engine: Engine, user_id: str) -> None:
    with Session(engine) as db:
        notify(db, user_id, "transfer_failed", "A deposit of £25.00 failed.", level="error")
        db.commit()


def _send(engine: Engine, user: SignedIn) -> int:
    settings = user.client.app.state.settings  # type: ignore[attr-defined]
    ctx = user.client.app.state.connections  # type: ignore[attr-defined]
    guard = destinations_for(settings)
    senders = sender.default_senders(
        destinations=guard, webpush=webpush.sender_for(settings, guard)
    )
    return sender.send_due(
        make_session_factory(engine),
        ctx.vault,
        clock.now(),
        fallback_zone="Europe/London",
        senders=senders,
    )


def _one_push(push_service: Receiver) -> Received:
    (got,) = push_service.taken()
    return got


def test_a_notice_reaches_the_device_signed_and_encrypted_without_amounts(
    alice: SignedIn, push_service: Receiver, engine: Engine
) -> None:
    key = alice.client.get("/api/v1/notifications/webpush/key").json()["public_key"]
    assert len(_unb64(key)) == 65
    assert _unb64(key)[0] == 4  # an uncompressed P-256 point
    browser = Browser()
    channel = _subscribe(alice, browser, push_service.url + "/push/abc123")
    assert channel["kind"] == "webpush"
    assert channel["target"] == push_service.url + "/…"  # the subscription's path stays secret
    _notice(engine, alice.user_id)
    assert _send(engine, alice) == 1

    got = _one_push(push_service)
    assert got.path == "/push/abc123"
    claims = vapid_claims(got.headers["authorization"], key)
    assert claims["aud"] == push_service.url  # the endpoint's origin
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https://"))
    assert got.headers["content-encoding"] == "aes128gcm"
    assert int(got.headers["ttl"]) > 0
    assert got.headers["urgency"] == "high"  # a failed move is urgent
    message = browser.decrypt(got.body)
    assert message["title"] == "potwise: a money move failed or could not be confirmed"
    assert "£" not in message["body"]
    assert "25" not in message["body"]
    assert message["url"] == "/notices"
    (logged,) = alice.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert logged["status"] == "sent"


def test_with_the_users_leave_the_device_shows_the_notice_in_full(
    alice: SignedIn, push_service: Receiver, engine: Engine
) -> None:
    browser = Browser()
    _subscribe(alice, browser, push_service.url + "/push/1", show_amounts=True)
    _notice(engine, alice.user_id)
    assert _send(engine, alice) == 1
    assert browser.decrypt(_one_push(push_service).body)["body"] == "A deposit of £25.00 failed."


def test_a_browser_subscribing_again_replaces_its_device(
    alice: SignedIn, push_service: Receiver
) -> None:
    browser = Browser()
    _subscribe(alice, browser, push_service.url + "/push/same")
    _subscribe(alice, browser, push_service.url + "/push/same", show_amounts=True)
    assert len(alice.client.get("/api/v1/notifications/channels").json()["items"]) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_has_dropped_is_removed(
    alice: SignedIn, push_service: Receiver, engine: Engine, status: int
) -> None:
    _subscribe(alice, Browser(), push_service.url + "/push/gone")
    push_service.answer = status
    _notice(engine, alice.user_id)
    assert _send(engine, alice) == 1
    assert len(push_service.taken()) == 1
    assert alice.client.get("/api/v1/notifications/channels").json()["items"] == []
    with Session(engine) as db:
        assert db.scalars(select(NotificationChannel)).all() == []


def test_a_push_service_failing_is_tried_again_later(
    alice: SignedIn, push_service: Receiver, engine: Engine
) -> None:
    _subscribe(alice, Browser(), push_service.url + "/push/busy")
    push_service.answer = 503
    _notice(engine, alice.user_id)
    assert _send(engine, alice) == 1
    (logged,) = alice.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert logged["status"] == "pending"
    assert logged["last_error"] == "the push service answered 503"


def test_keys_that_are_not_a_browsers_are_refused(alice: SignedIn, push_service: Receiver) -> None:
    subscription = Browser().subscription(push_service.url + "/push/x")
    subscription["keys"]["p256dh"] = _b64(b"\x04" + b"\x01" * 64)  # not on the curve
    answer = alice.client.post(
        "/api/v1/notifications/channels", json={"kind": "webpush", "subscription": subscription}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "The browser's subscription keys are not valid."


def test_the_subscription_secrets_are_never_answered(
    alice: SignedIn, push_service: Receiver
) -> None:
    browser = Browser()
    _subscribe(alice, browser, push_service.url + "/push/secret-path")
    listed = alice.client.get("/api/v1/notifications/channels").text
    page = alice.client.get("/settings/notifications").text
    for text in (listed, page):
        assert "secret-path" not in text
        assert _b64(browser.auth) not in text


def test_vapid_signature_check_fails_for_another_key() -> None:
    # The receiver's check above can fail: a token signed by another key is refused.
    from py_vapid import Vapid02

    signer, other = Vapid02(), Vapid02()
    signer.generate_keys()
    other.generate_keys()
    token = signer.sign({"sub": "mailto:a@example.org", "aud": "https://push.example.org"})
    other_key = _b64(
        other.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    header = str(token["Authorization"]).replace(token["Authorization"].split("k=")[1], other_key)
    with pytest.raises(InvalidSignature):
        vapid_claims(header, other_key)


def test_without_a_vapid_key_push_is_off_and_says_so(settings: Settings, engine: Engine) -> None:
    app = create_app(settings.model_copy(update={"vapid_private_key": None}), engine=engine)
    user = sign_up(app, "alice@example.com")
    answer = user.client.get("/api/v1/notifications/webpush/key")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "push_unavailable"
    added = user.client.post(
        "/api/v1/notifications/channels",
        json={
            "kind": "webpush",
            "subscription": Browser().subscription("https://push.example.org/x"),
        },
    )
    assert added.status_code == 409
    page = user.client.get("/settings/notifications").text
    assert "This server does not send push notifications" in page
    assert "Notify this device" not in page
