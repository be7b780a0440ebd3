"""A real money move, through the runner against the sandbox, reaches the user's
webhook once, signed, and their inbox once: the receiver on loopback checks the
signature over the raw body, a loopback SMTP server takes the e-mail, and a
receiver that fails shows the failure in the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from potwise import clock
from potwise.services import account_mail
from potwise.services.notifications import email_channel, sender
from potwise.services.notifications.destinations import destinations_for
from tests.integration.automations.world import World
from tests.support.receiver import Receiver, webhook_receiver
from tests.support.smtp import SmtpServer, smtp_server


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path, "starttls", login=True) as server:
        yield server


@pytest.fixture
def world_settings(smtp: SmtpServer) -> dict[str, Any]:
    # The receiver is on loopback: a household's own instance may send there.
    return {**smtp.settings(), "notify_allow_private": True}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


def _hook(world: World, receiver: Receiver) -> str:
    created = world.client.post(
        "/api/v1/notifications/channels",
        json={"kind": "webhook", "name": "Home", "url": receiver.url + "/hook"},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["secret"])


def _send(world: World) -> int:
    email = email_channel.sender_for(account_mail.mailer_for(world.ctx.settings))
    return sender.send_due(
        world.ctx.session_factory,
        world.ctx.vault,
        clock.now(),
        fallback_zone="Europe/London",
        senders=sender.default_senders(email, destinations=destinations_for(world.ctx.settings)),
    )


def test_a_money_move_is_one_signed_webhook_delivery_and_one_e_mail(
    world: World, receiver: Receiver, smtp: SmtpServer
) -> None:
    world.run()
    secret = _hook(world, receiver)
    email = world.client.post(
        "/api/v1/notifications/channels", json={"kind": "email", "name": "Me"}
    )
    assert email.status_code == 201, email.text
    world.client.put(
        "/api/v1/notifications/preferences", json={"modes": {"money_moved": {"email": "now"}}}
    )
    world.spend_on_amex(2500)
    run = world.run()
    assert run["status"] == "moved", run["explanation"]
    _send(world)
    _send(world)  # nothing is sent twice

    [got] = receiver.taken()
    timestamp = got.headers["x-potwise-timestamp"]
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + got.body, hashlib.sha256)
    assert got.headers["x-potwise-signature"] == "sha256=" + mac.hexdigest()
    body = json.loads(got.body)
    assert body["event"] == "money_moved"
    assert body["message"].startswith("Moved £25.00")
    assert "into your Credit card pot" in body["message"]
    notices = [m for m in smtp.inbox.messages if "money moved" in str(m["Subject"])]
    assert len(notices) == 1
    [mail] = notices
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Moved £25.00" in text
    assert "/settings/notifications" in str(mail["List-Unsubscribe"])
    logged = world.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert sorted(d["status"] for d in logged) == ["sent", "sent"]


def test_a_failing_receiver_never_holds_up_a_move_and_the_failure_is_shown(
    world: World, receiver: Receiver
) -> None:
    world.run()
    _hook(world, receiver)
    receiver.answer = 500
    world.spend_on_amex(1899)
    run = world.run()
    assert run["status"] == "moved"  # the move went through whatever the receiver does
    _send(world)
    [logged] = world.client.get("/api/v1/notifications/deliveries").json()["items"]
    assert logged["status"] == "pending"
    assert logged["attempts"] == 1
    assert logged["last_error"] == "the receiver answered 500"
