"""A real money move, through the runner against the sandbox, reaches the user's
webhook once, signed: the receiver on loopback checks the signature over the raw
body, and a receiver that fails shows the failure in the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest

from potwise import clock
from potwise.services.notifications import sender
from tests.integration.automations.world import World
from tests.support.receiver import Receiver, webhook_receiver


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
    return sender.send_due(
        world.ctx.session_factory, world.ctx.vault, clock.now(), fallback_zone="Europe/London"
    )


def test_a_money_move_is_one_signed_webhook_delivery(world: World, receiver: Receiver) -> None:
    world.run()
    secret = _hook(world, receiver)
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
