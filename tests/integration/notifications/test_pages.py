"""The notification settings page: adding a webhook, choosing what goes where,
quiet hours and the digest, the test button and removing a channel."""

from __future__ import annotations

import re

from tests.integration.conftest import SignedIn


def test_adding_a_webhook_shows_its_secret_once(alice: SignedIn) -> None:
    page = alice.client.post(
        "/settings/notifications/webhooks",
        data={"name": "Phone", "url": "https://ntfy.example.org/my-topic-token", "format": "ntfy"},
    )
    assert page.status_code == 200
    found = re.search(r'readonly value="([^"]+)" id="new-secret"', page.text)
    assert found, page.text
    again = alice.client.get("/settings/notifications")
    assert found.group(1) not in again.text
    assert "my-topic-token" not in again.text  # the address's path may hold a token
    assert "https://ntfy.example.org/…" in again.text


def test_a_bad_address_keeps_what_was_typed(alice: SignedIn) -> None:
    page = alice.client.post(
        "/settings/notifications/webhooks",
        data={"name": "Home Assistant", "url": "ha.local/webhook", "format": "json"},
    )
    assert page.status_code == 400
    assert "starting with https://" in page.text
    assert 'value="ha.local/webhook"' in page.text
    assert 'value="Home Assistant"' in page.text


def test_choices_are_saved_from_the_form(alice: SignedIn) -> None:
    saved = alice.client.post(
        "/settings/notifications/preferences",
        data={
            "mode-money_moved-email": "off",
            "mode-money_moved-webhook": "digest",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "digest": "weekly",
            "digest_hour": "18",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    choices = alice.client.get("/api/v1/notifications/preferences").json()
    money = next(e for e in choices["events"] if e["event"] == "money_moved")
    assert money["modes"]["email"] == "off"
    assert money["modes"]["webhook"] == "digest"
    assert money["modes"]["monzo_feed"] == "now"
    assert choices["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert (choices["digest"], choices["digest_hour"]) == ("weekly", 18)


def test_half_a_quiet_window_is_refused(alice: SignedIn) -> None:
    page = alice.client.post(
        "/settings/notifications/preferences",
        data={"quiet_start": "22:00", "quiet_end": "", "digest": "daily", "digest_hour": "8"},
    )
    assert page.status_code == 400
    assert "start and an end" in page.text
    assert alice.client.get("/api/v1/notifications/preferences").json()["quiet_hours"] is None


def test_test_and_remove_buttons(alice: SignedIn, bob: SignedIn) -> None:
    created = alice.client.post(
        "/api/v1/notifications/channels",
        json={"kind": "webhook", "url": "http://127.0.0.1:9/x"},
    ).json()["channel"]
    assert (
        bob.client.post(f"/settings/notifications/channels/{created['id']}/delete").status_code
        == 404
    )
    tested = alice.client.post(
        f"/settings/notifications/channels/{created['id']}/test", follow_redirects=False
    )
    assert tested.status_code == 303
    log = alice.client.get("/settings/notifications")
    assert "A test from potwise" in log.text
    removed = alice.client.post(
        f"/settings/notifications/channels/{created['id']}/delete", follow_redirects=False
    )
    assert removed.status_code == 303
    assert alice.client.get("/api/v1/notifications/channels").json()["items"] == []
