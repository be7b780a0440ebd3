"""A rule in a cooldown is looked at again by the scheduler once the clock passes its end,
with the product following the sandbox's clock (no real waiting)."""

from __future__ import annotations

import time
from concurrent.futures import wait
from datetime import datetime, timedelta

import httpx2

from potwise import clock
from potwise.jobs.scheduler import build_scheduler
from potwise.jobs.timing import Scheduler
from potwise.services.connections import valid_access_token
from tests.integration.automations.world import World


def _start_cooldown(world: World) -> datetime:
    """The user takes money out of the pot in the app: the rule waits (its cooldown)."""
    world.run()
    token = valid_access_token(world.ctx, world.monzo_connection_id)
    taken = httpx2.put(
        f"{world.sandbox.url}/monzo/api/pots/{world.pot['external_id']}/withdraw",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "destination_account_id": world.ledger()[0]["account_id"],
            "amount": "1000",
            "dedupe_id": "the-user-in-the-app",
        },
    )
    assert taken.status_code == 200, taken.text
    assert world.run()["reason"] == "cooldown_started"
    rule = world.client.get(f"/api/v1/automations/{world.rule_id}").json()
    assert rule["status"] == "cooldown"
    return datetime.fromisoformat(rule["state"]["cooldown"]["until"])


def _tick_when(scheduler: Scheduler, target: datetime) -> None:
    """One tick of the scheduler once the product's clock shows `target` (bounded)."""
    deadline = time.monotonic() + 2
    while clock.now() < target:
        assert time.monotonic() < deadline, "the product's clock did not follow"
        time.sleep(0.01)
    wait(scheduler.run_pending(), timeout=60)


def _scheduled_runs(world: World) -> list[dict[str, object]]:
    return [run for run in world.runs() if run["trigger"] == "schedule"]


def test_the_scheduler_runs_a_rule_once_the_followed_clock_passes_its_cooldown(
    world: World,
) -> None:
    until = _start_cooldown(world)
    with clock.using(clock.RemoteClock(world.sandbox.clock_url)):
        scheduler = build_scheduler(world.ctx, blocking=False)
        for job in scheduler.get_jobs():
            if job.id != "automations":
                scheduler.remove_job(job.id)
        start = clock.now()
        world.sandbox.advance("PT1M")  # the job is due; the cooldown is not over
        _tick_when(scheduler, start + timedelta(minutes=1))
        assert _scheduled_runs(world) == []
        world.sandbox.advance("PT3H")
        _tick_when(scheduler, until)
        scheduler.shutdown()
    [run] = _scheduled_runs(world)
    assert run["finished_at"] is not None
    rule = world.client.get(f"/api/v1/automations/{world.rule_id}").json()
    assert rule["status"] != "cooldown"
