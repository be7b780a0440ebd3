"""What the scheduler runs: sync cycles (TrueLayer by its refresh plan), approvals, due rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Automation, Connection, SyncRun
from potwise.jobs.scheduler import build_scheduler, poll_approvals, run_sync_cycle
from potwise.services.automations import triggers
from potwise.services.sync import refresh_plan
from potwise.services.sync import schedule as sync_schedule
from tests.support.harness import (
    Sandbox,
    connect,
    product,
    running_sandbox,
    signed_in,
    wait_for_run,
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def client(tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox) -> TestClient:
    return signed_in(product(tmp_path, database_url, engine, sandbox))


def test_a_monzo_login_approved_in_the_app_is_picked_up_without_a_click(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    connect(client, sandbox, "monzo")
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    poll_approvals(ctx)
    [waiting] = client.get("/api/v1/connections").json()["items"]
    assert waiting["status"] == "awaiting_approval"
    sandbox.approve_monzo()
    poll_approvals(ctx)
    [approved] = client.get("/api/v1/connections").json()["items"]
    assert approved["status"] == "active"
    runs = db.scalars(select(SyncRun).where(SyncRun.status == "succeeded")).all()
    assert len(runs) == 1


def test_a_sync_cycle_syncs_monzo_every_time_and_reads_cards_by_their_plan(
    client: TestClient, sandbox: Sandbox, db: Session
) -> None:
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    connect(client, sandbox, "monzo")
    sandbox.approve_monzo()
    poll_approvals(ctx)
    connect(client, sandbox, "truelayer", sandbox_provider="ob-amex")
    amex = next(
        c
        for c in client.get("/api/v1/connections").json()["items"]
        if c["provider_id"] == "ob-amex"
    )
    wait_for_run(client, amex["id"])
    # The card was just read in full (with the user present, at no cost): Monzo only.
    assert run_sync_cycle(ctx) == 1
    assert run_sync_cycle(ctx) == 1
    connection = db.get(Connection, amex["id"])
    assert connection is not None
    plan = refresh_plan.view(db, ctx.settings, connection, clock.now())
    assert plan["times"] == ["06:30"]  # four calls a day pay for one whole refresh
    assert plan["calls_per_refresh"] == 3
    upcoming = plan["next_refresh_at"]
    assert amex["id"] not in sync_schedule.scheduled_connection_ids(
        ctx, upcoming - timedelta(minutes=1)
    )
    assert amex["id"] in sync_schedule.scheduled_connection_ids(
        ctx, upcoming + timedelta(minutes=1)
    )


def test_rules_in_an_expired_cooldown_or_waiting_for_funds_are_due(
    client: TestClient, db: Session
) -> None:
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    user_id = client.get("/api/v1/auth/me").json()["user"]["id"]
    now = datetime.now(UTC)

    def rule(name: str, status: str, until: datetime | None) -> Automation:
        state = {"cooldown": {"until": until.isoformat()}} if until else {}
        row = Automation(
            user_id=user_id,
            kind="card_pot",
            name=name,
            status=status,
            state=state,
            config={"pot_id": "p", "card_account_ids": []},
        )
        db.add(row)
        return row

    expired = rule("expired", "cooldown", now - timedelta(minutes=1))
    waiting = rule("waiting", "cooldown", now + timedelta(hours=1))
    funds = rule("funds", "waiting_funds", None)
    calm = rule("calm", "ok", None)
    db.commit()
    due = set(triggers.due_rule_ids(ctx, now))
    assert expired.id in due and funds.id in due
    assert waiting.id not in due and calm.id not in due


def test_the_scheduler_has_every_job_each_on_its_own_timetable(client: TestClient) -> None:
    ctx = client.app.state.connections  # type: ignore[attr-defined]
    with clock.using(clock.FixedClock(datetime(2026, 6, 1, 12, tzinfo=UTC))):
        scheduler = build_scheduler(ctx, blocking=False)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {
            "housekeeping",
            "sync",
            "card-refreshes",
            "monzo-approvals",
            "automations",
            "notifications",
            "commitment-alerts",
        }
        after = {
            job_id: job.trigger.after(job.next_run_time, job.next_run_time)
            for job_id, job in jobs.items()
        }
        gaps = {job_id: after[job_id] - jobs[job_id].next_run_time for job_id in jobs}
        assert gaps == {
            "housekeeping": timedelta(minutes=60),
            "sync": timedelta(minutes=ctx.settings.sync_interval_minutes),
            "card-refreshes": timedelta(seconds=60),
            "monzo-approvals": timedelta(seconds=60),
            "automations": timedelta(minutes=5),
            "notifications": timedelta(seconds=15),
            "commitment-alerts": timedelta(days=1),
        }
        # 10:00 in London is 09:00 UTC in June.
        assert jobs["commitment-alerts"].next_run_time == datetime(2026, 6, 2, 9, tzinfo=UTC)
        assert not any(job.running for job in jobs.values())
        scheduler.shutdown()
