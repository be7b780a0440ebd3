"""Adding the Monzo app's feed as a channel, from the API and the settings page: only
with an active Monzo connection (else a clear refusal), one per user, and the
"what goes where" table says a bank needing the user never goes there."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection
from tests.integration.conftest import SignedIn

NO_MONZO = (
    "Connect Monzo first: this channel puts notices in your Monzo app, so it needs "
    "an active Monzo connection."
)


def _monzo(engine: Engine, user_id: str, status: str = "active") -> None:
    with Session(engine) as db:
        monzo = Connection(user_id=user_id, provider="monzo", display_name="Monzo", status=status)
        db.add(monzo)
        db.flush()
        db.add(
            Account(
                user_id=user_id,
                connection_id=monzo.id,
                external_id="acc_personal",
                provider="monzo",
                kind="current",
                name="Current account",
                currency="GBP",
            )
        )
        db.commit()


def test_the_api_refuses_the_feed_without_a_monzo_connection(alice: SignedIn) -> None:
    refused = alice.client.post("/api/v1/notifications/channels", json={"kind": "monzo_feed"})
    assert refused.status_code == 409
    assert refused.json()["error"] == {"code": "conflict", "message": NO_MONZO}
    assert alice.client.get("/api/v1/notifications/channels").json()["items"] == []


def test_a_monzo_connection_that_needs_re_connecting_is_not_enough(
    alice: SignedIn, engine: Engine
) -> None:
    _monzo(engine, alice.user_id, status="needs_reconnect")
    refused = alice.client.post("/api/v1/notifications/channels", json={"kind": "monzo_feed"})
    assert refused.status_code == 409
    assert refused.json()["error"]["message"] == NO_MONZO


def test_the_api_adds_the_feed_with_an_active_monzo_connection(
    alice: SignedIn, bob: SignedIn, engine: Engine
) -> None:
    _monzo(engine, alice.user_id)
    made = alice.client.post(
        "/api/v1/notifications/channels", json={"kind": "monzo_feed", "daily_cap": 5}
    )
    assert made.status_code == 201, made.text
    channel = made.json()["channel"]
    assert (channel["kind"], channel["name"]) == ("monzo_feed", "Monzo app")
    assert channel["target"] == "Your Monzo app (Current account)"
    assert made.json()["secret"] is None
    # Alice's connection is hers: Bob still has none.
    assert (
        bob.client.post("/api/v1/notifications/channels", json={"kind": "monzo_feed"}).json()[
            "error"
        ]["message"]
        == NO_MONZO
    )
    assert bob.client.delete(f"/api/v1/notifications/channels/{channel['id']}").status_code == 404


def test_a_daily_limit_out_of_range_is_refused(alice: SignedIn, engine: Engine) -> None:
    _monzo(engine, alice.user_id)
    refused = alice.client.post(
        "/api/v1/notifications/channels", json={"kind": "monzo_feed", "daily_cap": 0}
    )
    assert refused.status_code == 422


def test_the_page_offers_the_feed_only_with_an_active_monzo_connection(
    alice: SignedIn, engine: Engine
) -> None:
    page = alice.client.get("/settings/notifications")
    assert NO_MONZO in page.text
    assert 'action="/settings/notifications/monzo-feed"' not in page.text
    posted = alice.client.post("/settings/notifications/monzo-feed", data={"daily_cap": "3"})
    assert posted.status_code == 409
    assert NO_MONZO in posted.text

    _monzo(engine, alice.user_id)
    page = alice.client.get("/settings/notifications")
    assert 'action="/settings/notifications/monzo-feed"' in page.text
    added = alice.client.post(
        "/settings/notifications/monzo-feed", data={"daily_cap": "3"}, follow_redirects=True
    )
    assert added.status_code == 200
    assert "notices now show in its feed" in added.text
    assert "Your Monzo app (Current account)" in added.text
    assert "Notices already go to your Monzo app." in added.text
    assert 'action="/settings/notifications/monzo-feed"' not in added.text


def test_a_bank_needing_the_user_cannot_be_chosen_for_the_feed(alice: SignedIn) -> None:
    page = alice.client.get("/settings/notifications")
    assert 'name="mode-connection_attention-monzo_feed"' not in page.text
    assert "Not through Monzo" in page.text
    refused = alice.client.put(
        "/api/v1/notifications/preferences",
        json={"modes": {"connection_attention": {"monzo_feed": "now"}}},
    )
    assert refused.status_code == 400
    assert "cannot be told through the Monzo app" in refused.json()["error"]["message"]
    choices = alice.client.get("/api/v1/notifications/preferences").json()["events"]
    attention = next(e for e in choices if e["event"] == "connection_attention")
    assert attention["modes"]["monzo_feed"] == "off"
    money = next(e for e in choices if e["event"] == "money_moved")
    assert money["modes"]["monzo_feed"] == "now"


def test_the_icon_is_served_without_signing_in(app: FastAPI) -> None:
    with TestClient(app) as anyone:
        icon = anyone.get("/static/monzo-feed.png")
    assert icon.status_code == 200
    assert icon.content.startswith(b"\x89PNG")
