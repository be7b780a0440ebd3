"""After a sync against the sandbox and a rule's move, a scrape shows them all, by
bounded names only: no user, connection or row id, address, token or webhook secret."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from tests.integration.automations.world import World

TOKEN = "scrape-" + "m" * 40
WEBHOOK_SECRET = "not-a-real-secret-" + "w" * 24


@pytest.fixture
def world_settings() -> dict[str, Any]:
    return {"metrics_token": TOKEN, "notify_allow_private": True}


def _scrape(world: World) -> tuple[str, dict[str, list[Sample]]]:
    response = world.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    samples: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return response.text, samples


def _value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    found = samples.get(name, [])
    return sum(s.value for s in found if all(s.labels.get(k) == v for k, v in labels.items()))


def test_a_scrape_shows_the_sync_the_move_and_the_requests(world: World) -> None:
    client = world.client
    channel = client.post(
        "/api/v1/notifications/channels",
        json={"kind": "webhook", "name": "Hook", "url": "http://127.0.0.1:9/hook"},
    )
    assert channel.status_code == 201, channel.text
    assert client.post(f"/webhooks/monzo/{WEBHOOK_SECRET}", json={}).status_code == 404
    run = world.run()
    assert [t["status"] for t in run["transfers"]] == ["confirmed"], run

    text, samples = _scrape(world)

    assert _value(samples, "potwise_database_up") == 1
    for provider in ("monzo", "truelayer"):
        assert _value(samples, "potwise_sync_runs", provider=provider) >= 1
        assert _value(samples, "potwise_sync_bank_calls", provider=provider) >= 1
        assert _value(samples, "potwise_bank_requests_total", provider=provider, status="200") >= 1
        latency = "potwise_bank_request_duration_seconds_count"
        assert _value(samples, latency, provider=provider) >= 1
    assert _value(samples, "potwise_sync_run_seconds") > 0
    assert _value(samples, "potwise_rule_runs", kind="card_pot", status="moved") == 1
    assert _value(samples, "potwise_transfers", status="confirmed") == 1
    assert _value(samples, "potwise_transfers_unsettled") == 0
    assert _value(samples, "potwise_notification_outbox") >= 1
    assert _value(samples, "potwise_unattended_consents", bank="ob-amex") == 1
    assert 0 <= _value(samples, "potwise_unattended_calls_left", bank="ob-amex") <= 4
    routes = {s.labels["route"] for s in samples["potwise_http_request_duration_seconds_count"]}
    assert "/api/v1/automations/{automation_id}/run" in routes
    assert "/webhooks/monzo/{secret}" in routes

    me = client.get("/api/v1/auth/me").json()
    user = me.get("user", me)
    connections = [c["id"] for c in client.get("/api/v1/connections").json()["items"]]
    forbidden = [user["id"], user["email"], TOKEN, WEBHOOK_SECRET, world.rule_id, *connections]
    values = {v for found in samples.values() for s in found for v in s.labels.values()}
    for secret in forbidden:
        assert secret not in text
        assert not any(secret in value for value in values)
