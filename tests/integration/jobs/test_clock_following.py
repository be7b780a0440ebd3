"""The product follows the sandbox's clock (`POTWISE_CLOCK_URL`), its scheduler included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import wait
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from potwise import clock
from potwise.jobs.scheduler import COMMITMENT_ALERT_HOUR, build_scheduler
from potwise.jobs.timing import Every, Scheduler
from potwise.services.context import ConnectionsContext
from potwise.web.app import create_app
from tests.support.harness import Sandbox, product, product_settings, running_sandbox
from tests.support.loopback import free_port


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(frozen_clock=True) as sandbox:
        yield sandbox


def _following(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox
) -> ConnectionsContext:
    """The product started with `POTWISE_CLOCK_URL` at the sandbox's clock."""
    app = product(tmp_path, database_url, engine, sandbox, clock_url=sandbox.clock_url)
    assert isinstance(clock.installed(), clock.RemoteClock)
    ctx: ConnectionsContext = app.state.connections
    return ctx


def _until(target: datetime, timeout: float = 1.0) -> datetime:
    """The product's now, once it has reached `target` (real waiting bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while (moment := clock.now()) < target:
        assert time.monotonic() < deadline, f"the clock stayed at {moment}, not {target}"
        time.sleep(0.01)
    return moment


def test_the_product_follows_a_frozen_sandbox_clock_sent_ahead(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox
) -> None:
    _following(tmp_path, database_url, engine, sandbox)
    before = clock.now()
    assert abs(before - sandbox.now()) < timedelta(milliseconds=2)  # ms in the clock's answer
    readings = [clock.now() for _ in range(20)]
    assert readings == [before] * 20  # frozen: rate 0
    sandbox.advance("PT3H")
    started = time.monotonic()
    after = _until(before + timedelta(hours=3))
    assert time.monotonic() - started < 1.0
    assert after - before < timedelta(hours=3, seconds=1)
    readings = [clock.now() for _ in range(50)]
    assert readings == sorted(readings) and readings[0] >= after


def test_a_clock_url_nothing_answers_at_is_a_clear_error_at_start(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/_sandbox/clock"
    settings = product_settings(tmp_path, database_url, sandbox.url, clock_url=dead)
    with pytest.raises(clock.ClockError, match="could not be read") as raised:
        create_app(settings, engine=engine)
    assert dead in str(raised.value)
    assert isinstance(clock.installed(), clock.SystemClock)  # left as it was


def test_a_job_becomes_due_when_the_followed_clock_passes_its_time(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox
) -> None:
    _following(tmp_path, database_url, engine, sandbox)
    start = clock.now()
    ran: list[datetime] = []
    scheduler = Scheduler(blocking=False)
    scheduler.add_job(
        lambda: ran.append(clock.now()),
        Every(timedelta(hours=1)),
        id="hourly",
        first_run=start + timedelta(hours=1),
    )
    wait(scheduler.run_pending(), timeout=10)
    assert ran == []
    sandbox.advance("PT1H")
    _until(start + timedelta(hours=1))
    wait(scheduler.run_pending(), timeout=10)
    assert ran == [start + timedelta(hours=1)]
    scheduler.shutdown()


def test_the_products_jobs_are_set_by_the_followed_clock(
    tmp_path: Path, database_url: str, engine: Engine, sandbox: Sandbox
) -> None:
    ctx = _following(tmp_path, database_url, engine, sandbox)
    sandbox.advance("P40D")
    now = _until(sandbox.now())
    scheduler = build_scheduler(ctx, blocking=False)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert jobs["housekeeping"].next_run_time == now
    assert jobs["automations"].next_run_time == now + timedelta(seconds=30)
    daily = jobs["commitment-alerts"].next_run_time
    local = daily.astimezone(ZoneInfo("Europe/London"))
    assert (local.hour, local.minute) == (COMMITMENT_ALERT_HOUR, 0)
    assert now <= daily < now + timedelta(days=1)
    scheduler.shutdown()
