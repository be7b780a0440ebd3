"""A rule whose card's bank cannot be reached keeps deciding on the data as last synced,
as a bank outage during a run always allowed: a connection left `retrying` pauses nothing."""

from __future__ import annotations

from potwise.services.sync import engine as sync_engine
from tests.integration.automations.world import World


def test_a_rule_reading_a_retrying_connection_decides_on_the_last_synced_data(
    world: World,
) -> None:
    amex = next(
        c
        for c in world.client.get("/api/v1/connections").json()["items"]
        if c["provider_id"] == "ob-amex"
    )
    world.sandbox.fault(path="/truelayer/api/data/v1/*", kind="error_5xx", probability=1.0)
    failed = sync_engine.sync_connection(world.ctx, amex["id"], psu_ip="127.0.0.1")
    assert failed.status == "failed"
    statuses = {
        c["id"]: c["status"] for c in world.client.get("/api/v1/connections").json()["items"]
    }
    assert statuses == {amex["id"]: "retrying", world.monzo_connection_id: "active"}

    run = world.run()  # the user is present: the card is read again, and fails again
    assert run["status"] in {"moved", "nothing"}, run
    assert "Cards as last read from the bank: " in run["explanation"], run["explanation"]
    [rule] = world.client.get("/api/v1/automations").json()["items"]
    assert rule["status"] not in {"paused", "error"}, rule

    world.sandbox.clear_faults()
    world.run()  # the refresh for this run gets through: the card is back
    statuses = {
        c["id"]: c["status"] for c in world.client.get("/api/v1/connections").json()["items"]
    }
    assert statuses[amex["id"]] == "active"
