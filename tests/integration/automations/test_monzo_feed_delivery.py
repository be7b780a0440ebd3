"""The Monzo app's feed as a channel, against the sandbox over loopback: a money move
is one feed item opening the transfers page, an unclear answer after the item was
sent is never sent again, a refusal before it is, one item per rule run and a daily
limit with the rest in the digest, and a bank needing the user never goes there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from potwise import clock
from potwise.db.models import User
from potwise.services import notify
from potwise.services.notifications import destinations, monzo_feed, sender
from tests.integration.automations.world import World
from tests.support.receiver import Receiver, webhook_receiver


@pytest.fixture
def world_settings() -> dict[str, Any]:
    """The user's other channel in these tests is a webhook on loopback."""
    return {"notify_allow_private": True}


def _feed(world: World) -> list[dict[str, Any]]:
    return list(world.sandbox.http.get("/_sandbox/feed").json()["items"])


def _add_feed(world: World, **extra: Any) -> dict[str, Any]:
    made = world.client.post("/api/v1/notifications/channels", json={"kind": "monzo_feed", **extra})
    assert made.status_code == 201, made.text
    return dict(made.json()["channel"])


def _send(world: World, at: Any = None) -> int:
    senders = sender.default_senders(destinations=destinations.destinations_for(world.ctx.settings))
    senders[monzo_feed.KIND] = monzo_feed.sender_for(world.ctx)
    return sender.send_due(
        world.ctx.session_factory,
        world.ctx.vault,
        at or clock.now(),
        fallback_zone="Europe/London",
        senders=senders,
    )


def _deliveries(world: World) -> list[dict[str, Any]]:
    return list(world.client.get("/api/v1/notifications/deliveries").json()["items"])


def _notices(world: World, count: int, *, run_id: str | None = None) -> None:
    with world.ctx.session_factory() as db:
        user_id = _user_id(world)
        for n in range(count):
            notify.notify(db, user_id, "transfer_done", f"Moved £1.0{n}.", run_id=run_id)
        db.commit()


def _user_id(world: World) -> str:
    with world.ctx.session_factory() as db:
        return str(db.scalar(select(User.id)))


def test_a_money_move_is_one_feed_item_that_opens_its_page(world: World) -> None:
    world.run()
    channel = _add_feed(world)
    assert channel["kind"] == "monzo_feed"
    assert channel["target"].startswith("Your Monzo app")
    world.spend_on_amex(4210)
    assert world.run()["status"] == "moved"
    _send(world)
    _send(world)  # nothing goes twice

    [item] = _feed(world)
    assert item["title"] == "potwise: money moved by a rule"
    assert item["body"].startswith("Moved £42.10 into your Credit card pot")
    public = world.ctx.settings.public_url
    assert item["url"] == public + "/transfers"
    assert item["image_url"] == public + "/static/monzo-feed.png"
    [logged] = _deliveries(world)
    assert (logged["status"], logged["attempts"]) == ("sent", 1)
    icon = world.client.get("/static/monzo-feed.png")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/png"
    assert icon.content.startswith(b"\x89PNG")


def test_a_timeout_after_the_item_was_sent_is_not_sent_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monzo_feed, "TIMEOUT_SECONDS", 0.3)
    _add_feed(world)
    world.sandbox.fault(path="/monzo/api/feed", kind="timeout_after_apply", ms=1500, count=1)
    _notices(world, 1)
    _send(world)
    later = clock.now() + timedelta(hours=7)  # past every backoff
    _send(world, later)

    assert len(_feed(world)) == 1  # Monzo showed it; potwise never posted it again
    [logged] = _deliveries(world)
    assert logged["status"] == "failed"
    assert logged["attempts"] == 1
    assert "not sent again, so it never shows twice" in logged["last_error"]


def test_a_5xx_answer_may_have_shown_so_it_is_not_sent_again(world: World) -> None:
    _add_feed(world)
    world.sandbox.fault(path="/monzo/api/feed", kind="error_5xx", status=500, count=1)
    _notices(world, 1)
    _send(world)
    _send(world, clock.now() + timedelta(hours=7))
    assert _feed(world) == []
    [logged] = _deliveries(world)
    assert (logged["status"], logged["attempts"]) == ("failed", 1)
    assert "Monzo answered 500" in logged["last_error"]


def test_a_refusal_before_anything_showed_is_tried_again_once_it_clears(world: World) -> None:
    _add_feed(world)
    world.sandbox.fault(path="/monzo/api/feed", kind="rate_limit", count=1)
    _notices(world, 1)
    _send(world)
    [waiting] = _deliveries(world)
    assert (waiting["status"], waiting["attempts"]) == ("pending", 1)
    assert _feed(world) == []
    _send(world, clock.now() + timedelta(minutes=2))
    assert len(_feed(world)) == 1
    [logged] = _deliveries(world)
    assert (logged["status"], logged["attempts"]) == ("sent", 2)


def test_one_item_per_rule_run_and_a_daily_limit_the_rest_in_the_digest(world: World) -> None:
    _add_feed(world, daily_cap=2)
    _notices(world, 2, run_id="run-one")  # one run, two notices
    _notices(world, 3)  # three notices of their own
    _send(world)
    assert len(_feed(world)) == 2, _deliveries(world)  # the run's first, then one more
    statuses = sorted(d["status"] for d in _deliveries(world))
    assert statuses == ["digest", "digest", "digest", "sent", "sent"]
    reasons = {d["last_error"] for d in _deliveries(world) if d["status"] == "digest"}
    assert reasons == {
        "In the digest: one item per rule run.",
        "In the digest: 2 items reached your Monzo app today.",
    }
    # The digest is due at 08:00 the next morning and goes, whatever the limit.
    tomorrow = clock.now() + timedelta(days=1, hours=1)
    sender.gather_digests(world.ctx.session_factory, tomorrow, "Europe/London")
    _send(world, tomorrow)
    feed = _feed(world)
    assert len(feed) == 3
    assert feed[-1]["title"] == "potwise: your digest"
    assert feed[-1]["url"].endswith("/notices")
    assert feed[-1]["body"].count("•") == 3


def test_a_bank_needing_the_user_goes_to_their_other_channels_not_the_feed(
    world: World,
) -> None:
    _add_feed(world)
    receiver: Receiver
    with webhook_receiver() as receiver:
        hook = world.client.post(
            "/api/v1/notifications/channels",
            json={"kind": "webhook", "name": "Home", "url": receiver.url + "/hook"},
        )
        assert hook.status_code == 201, hook.text
        with world.ctx.session_factory() as db:
            notify.notify(
                db, _user_id(world), "connection_needs_reconnect", "Monzo needs re-connecting."
            )
            db.commit()
        _send(world)
        assert len(receiver.taken()) == 1
    assert _feed(world) == []
    [logged] = _deliveries(world)
    assert logged["channel_id"] == hook.json()["channel"]["id"]
    notices = world.client.get("/api/v1/notices").json()["items"]
    assert any(n["message"] == "Monzo needs re-connecting." for n in notices)


def test_the_feed_alone_leaves_a_bank_needing_the_user_in_the_app(world: World) -> None:
    _add_feed(world)
    with world.ctx.session_factory() as db:
        notify.notify(db, _user_id(world), "connection_needs_reconnect", "Re-connect Monzo.")
        db.commit()
    _send(world)
    assert _deliveries(world) == []
    assert _feed(world) == []
    notices = world.client.get("/api/v1/notices").json()["items"]
    assert any(n["message"] == "Re-connect Monzo." for n in notices)


def test_a_second_feed_channel_is_refused(world: World) -> None:
    _add_feed(world)
    again = world.client.post("/api/v1/notifications/channels", json={"kind": "monzo_feed"})
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "Notices already go to your Monzo app."
