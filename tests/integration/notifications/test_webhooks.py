"""Notices reach a user's webhook: signed, in the receiver's format, retried with
backoff when it fails, held through quiet hours, gathered into digests, and each
attempt visible in the delivery log. A real receiver on loopback takes them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.engine import make_session_factory
from potwise.db.models import NotificationChannel, NotificationDelivery
from potwise.services.notifications import sender
from potwise.services.notifications.destinations import destinations_for
from potwise.services.notify import notify
from tests.integration.conftest import SignedIn
from tests.support.receiver import Receiver, webhook_receiver

# A Monday, 12:00 in London (GMT in December).
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[clock.FixedClock]:
    fixed = clock.FixedClock(NOON)
    with clock.using(fixed):
        yield fixed


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def _add_hook(
    user: SignedIn, receiver: Receiver, fmt: str = "json", path: str = "/hook"
) -> tuple[str, str]:
    answer = user.client.post(
        "/api/v1/notifications/channels",
        json={"kind": "webhook", "name": "Home", "url": receiver.url + path, "format": fmt},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["channel"]["id"], answer.json()["secret"]


def _notice(engine: Engine, user_id: str, kind: str, message: str, level: str = "info") -> None:
    with Session(engine) as db:
        notify(db, user_id, kind, message, level=level)
        db.commit()


def _send(engine: Engine, client: TestClient, now: datetime) -> int:
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    return sender.send_due(
        make_session_factory(engine),
        ctx.vault,
        now,
        fallback_zone="Europe/London",
        senders=sender.default_senders(destinations=destinations_for(ctx.settings)),
    )


def _log(user: SignedIn) -> list[dict]:
    return user.client.get("/api/v1/notifications/deliveries").json()["items"]


def test_a_notice_reaches_the_webhook_signed(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    _, secret = _add_hook(alice, receiver)
    _notice(engine, alice.user_id, "transfer_failed", "A deposit of £25.00 failed.", "error")
    assert _send(engine, alice.client, NOON) == 1

    (got,) = receiver.taken()
    timestamp = got.headers["x-potwise-timestamp"]
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256)
    assert got.headers["x-potwise-signature"] == "sha256=" + expected.hexdigest()
    assert timestamp == str(int(NOON.timestamp()))
    body = json.loads(got.body)
    assert body["event"] == "move_failed"
    assert body["message"] == "A deposit of £25.00 failed."
    assert body["level"] == "error"
    assert got.headers["x-potwise-event"] == "move_failed"
    (logged,) = _log(alice)
    assert logged["status"] == "sent"
    assert logged["attempts"] == 1
    assert _send(engine, alice.client, NOON + timedelta(minutes=5)) == 0  # sent once


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_visibly(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    _add_hook(alice, receiver)
    receiver.answer = 503
    _notice(engine, alice.user_id, "transfer_failed", "A move failed.", "error")
    moment = NOON
    waits = []
    for _ in range(6):
        assert _send(engine, alice.client, moment) == 1
        (logged,) = _log(alice)
        if logged["status"] == "failed":
            break
        due = datetime.fromisoformat(logged["due_at"])
        waits.append(due - moment)
        assert _send(engine, alice.client, due - timedelta(seconds=1)) == 0  # not before its time
        moment = due
    assert waits == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=6),
    ]
    (logged,) = _log(alice)
    assert logged["status"] == "failed"
    assert logged["attempts"] == 6
    assert logged["last_error"] == "the receiver answered 503"
    assert len(receiver.taken()) == 6
    page = alice.client.get("/settings/notifications")
    assert "the receiver answered 503" in page.text


def test_a_receiver_that_refuses_is_not_retried(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    _add_hook(alice, receiver)
    receiver.answer = 404
    _notice(engine, alice.user_id, "transfer_failed", "A move failed.", "error")
    _send(engine, alice.client, NOON)
    (logged,) = _log(alice)
    assert (logged["status"], logged["attempts"]) == ("failed", 1)


def test_an_unreachable_receiver_is_retried(
    alice: SignedIn, engine: Engine, frozen: clock.FixedClock
) -> None:
    with webhook_receiver() as gone:
        url = gone.url
    created = alice.client.post(
        "/api/v1/notifications/channels", json={"kind": "webhook", "url": url + "/x"}
    )
    assert created.status_code == 201
    _notice(engine, alice.user_id, "transfer_failed", "A move failed.", "error")
    _send(engine, alice.client, NOON)
    (logged,) = _log(alice)
    assert logged["status"] == "pending"
    assert "could not reach the receiver" in logged["last_error"]


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        (
            "slack",
            lambda r: (
                json.loads(r.body)
                == {
                    "text": "*potwise: a money move failed or could not be confirmed*\n"
                    "A move failed."
                }
            ),
        ),
        (
            "ntfy",
            lambda r: (
                r.body == b"A move failed."
                and r.headers["title"].startswith("potwise")
                and r.headers["priority"] == "high"
            ),
        ),
        (
            "gotify",
            lambda r: (
                json.loads(r.body)["priority"] == 8
                and json.loads(r.body)["message"] == "A move failed."
            ),
        ),
    ],
)
def test_each_receiver_gets_its_own_format(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock, fmt: str, check
) -> None:
    _add_hook(alice, receiver, fmt)
    _notice(engine, alice.user_id, "transfer_failed", "A move failed.", "error")
    _send(engine, alice.client, NOON)
    (got,) = receiver.taken()
    assert check(got)
    assert got.headers["x-potwise-signature"].startswith("sha256=")


def test_quiet_hours_hold_what_is_not_urgent(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    _add_hook(alice, receiver)
    saved = alice.client.put(
        "/api/v1/notifications/preferences",
        json={"quiet_hours": {"start": "11:00", "end": "14:30"}},
    )
    assert saved.status_code == 200, saved.text
    _notice(engine, alice.user_id, "transfer_completed", "£25.00 moved to Credit card.")
    _notice(engine, alice.user_id, "transfer_failed", "A move failed.", "error")
    _send(engine, alice.client, NOON)
    assert [json.loads(r.body)["event"] for r in receiver.taken()] == ["move_failed"]
    held = next(d for d in _log(alice) if d["event"] == "money_moved")
    assert held["status"] == "pending"
    assert datetime.fromisoformat(held["due_at"]) == datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    _send(engine, alice.client, datetime(2026, 12, 7, 14, 30, tzinfo=UTC))
    assert len(receiver.taken()) == 2


def test_a_digest_gathers_notices_into_one_message(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    _add_hook(alice, receiver)
    saved = alice.client.put(
        "/api/v1/notifications/preferences",
        json={
            "modes": {"budget_crossed": {"webhook": "digest"}},
            "digest": "daily",
            "digest_hour": 18,
        },
    )
    assert saved.status_code == 200
    assert (
        next(e for e in saved.json()["events"] if e["event"] == "budget_crossed")["modes"][
            "webhook"
        ]
        == "digest"
    )
    _notice(engine, alice.user_id, "budget_alert", "Groceries passed 80%.")
    _notice(engine, alice.user_id, "budget_alert", "Eating out passed 100%.")
    factory = make_session_factory(engine)
    # The first look records that a digest went, so the next is due at 18:00.
    assert sender.gather_digests(factory, NOON, "Europe/London") == 1
    _send(engine, alice.client, NOON)
    (digest,) = receiver.taken()
    body = json.loads(digest.body)
    assert body["event"] == "digest"
    assert [n["message"] for n in body["notices"]] == [
        "Groceries passed 80%.",
        "Eating out passed 100%.",
    ]
    _notice(engine, alice.user_id, "budget_alert", "Fuel passed 80%.")
    assert sender.gather_digests(factory, NOON + timedelta(hours=5), "Europe/London") == 0
    assert sender.gather_digests(factory, NOON + timedelta(hours=6), "Europe/London") == 1


def test_off_sends_nothing_and_other_users_channels_are_not_touched(
    alice: SignedIn, bob: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    channel_id, _ = _add_hook(alice, receiver)
    alice.client.put(
        "/api/v1/notifications/preferences", json={"modes": {"move_failed": {"webhook": "off"}}}
    )
    _notice(engine, alice.user_id, "transfer_failed", "A move failed.", "error")
    _notice(engine, bob.user_id, "transfer_failed", "Bob's move failed.", "error")
    assert _send(engine, alice.client, NOON) == 0
    assert receiver.taken() == []
    assert bob.client.delete(f"/api/v1/notifications/channels/{channel_id}").status_code == 404
    assert bob.client.post(f"/api/v1/notifications/channels/{channel_id}/test").status_code == 404
    assert bob.client.get("/api/v1/notifications/channels").json()["items"] == []


def test_the_test_button_sends_at_once(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    channel_id, _ = _add_hook(alice, receiver)
    queued = alice.client.post(f"/api/v1/notifications/channels/{channel_id}/test")
    assert queued.status_code == 202
    _send(engine, alice.client, NOON)
    assert json.loads(receiver.taken()[0].body)["event"] == "test"


def test_two_workers_send_each_delivery_once(
    alice: SignedIn, receiver: Receiver, engine: Engine, frozen: clock.FixedClock
) -> None:
    _add_hook(alice, receiver)
    for n in range(8):
        _notice(engine, alice.user_id, "transfer_failed", f"Move {n} failed.", "error")
    threads = [threading.Thread(target=_send, args=(engine, alice.client, NOON)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    messages = sorted(json.loads(r.body)["message"] for r in receiver.taken())
    assert messages == sorted(f"Move {n} failed." for n in range(8))


def test_the_url_and_secret_are_encrypted_and_never_shown_again(
    alice: SignedIn, receiver: Receiver, engine: Engine
) -> None:
    created = alice.client.post(
        "/api/v1/notifications/channels",
        json={
            "kind": "webhook",
            "url": receiver.url + "/api/webhook/ha-token-123456",
            "format": "json",
        },
    )
    secret = created.json()["secret"]
    listed = alice.client.get("/api/v1/notifications/channels").text
    assert "ha-token-123456" not in listed and secret not in listed
    with Session(engine) as db:
        stored = db.scalars(select(NotificationChannel.config_encrypted)).one()
    assert "ha-token-123456" not in stored and secret not in stored


@pytest.mark.parametrize(
    "body",
    [
        {"modes": {"no_such_event": {"webhook": "now"}}},
        {"modes": {"money_moved": {"pigeon": "now"}}},
        {"modes": {"money_moved": {"webhook": "sometimes"}}},
        {"quiet_hours": {"start": "25:00", "end": "07:00"}},
        {"quiet_hours": {"start": "07:00", "end": "07:00"}},
    ],
)
def test_bad_preferences_are_refused_and_change_nothing(alice: SignedIn, body: dict) -> None:
    before = alice.client.get("/api/v1/notifications/preferences").json()
    answer = alice.client.put("/api/v1/notifications/preferences", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"]
    assert alice.client.get("/api/v1/notifications/preferences").json() == before


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "not a url", "https://user:pw@example.org/x"]
)
def test_a_bad_webhook_address_is_refused(alice: SignedIn, url: str, engine: Engine) -> None:
    answer = alice.client.post(
        "/api/v1/notifications/channels", json={"kind": "webhook", "url": url}
    )
    assert answer.status_code == 400
    with Session(engine) as db:
        assert db.scalars(select(NotificationDelivery)).first() is None
        assert db.scalars(select(NotificationChannel)).first() is None
