"""The queue (PostgreSQL): real procrastinate workers in separate processes.

Two `QueueWorker` processes (what `potwise worker` runs) take a cycle of sandbox
households: every connection syncs exactly once, the rules that follow move money
once (the sandbox's ledger and the transfers table agree), and a worker killed with
SIGKILL in the middle of a cycle leaves its jobs to the other one. The rules a sync
touches become queue jobs of their own, one per account.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from potwise.db.models import AutomationRun, Lease, SyncRun, Transfer
from potwise.jobs import queue
from potwise.jobs.queue_worker import QueueWorker, WorkerOptions
from potwise.jobs.wiring import worker_context
from potwise.logs import configure_logging
from potwise.services.automations import runner
from potwise.services.context import ConnectionsContext
from potwise.services.sync import engine as sync_engine
from potwise.services.sync import refresh_plan
from potwise.services.sync.abandoned import INTERRUPTED
from potwise.settings import Settings
from tests.conftest import PG_URL
from tests.support.harness import Sandbox, product_settings, running_sandbox
from tests.support.households import Household, add_monzo_households, add_sweep, add_topup

pytestmark = pytest.mark.skipif(PG_URL is None, reason="the queue runs on PostgreSQL only")

#: Short beats, so a killed worker's jobs are taken over within seconds; no periodic
#: tick missed before a worker started is caught up (the test defers its own cycles).
FAST = WorkerOptions(
    concurrency=6,
    heartbeat=0.5,
    stalled_after=6,
    stalled_check="* * * * * */1",
    periodic_max_delay=5,
)
_QUEUE_TABLES = "procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs"


def _work(settings: Settings, options: WorkerOptions) -> None:
    """A worker process: what `potwise worker` runs on PostgreSQL, with short beats."""
    configure_logging(production=True, level="WARNING")
    QueueWorker(worker_context(settings), options).run()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def queued(
    tmp_path: Path, engine: Engine, sandbox: Sandbox, request: pytest.FixtureRequest
) -> Iterator[tuple[Settings, ConnectionsContext]]:
    """Settings whose database URL carries this test run's schema (worker processes
    connect on their own), and a context on them; the queue emptied afterwards."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the queue runs on PostgreSQL only")
    schema = request.getfixturevalue("pg_schema")
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    # The clock's own sync cycle ticks once a day (at midnight UTC): the test's cycles
    # are the ones it defers.
    settings = product_settings(
        tmp_path, url, sandbox.url, log_level="WARNING", sync_interval_minutes=1440
    )
    ctx = worker_context(settings)
    try:
        yield settings, ctx
    finally:
        ctx.gateway.close()
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {_QUEUE_TABLES} CASCADE"))
            connection.execute(text("DELETE FROM procrastinate_workers"))


class Workers:
    """Worker processes, each killed in the end whatever happens."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.processes: list[BaseProcess] = []

    def start(self) -> int:
        """Start one more worker; returns its id in the queue once it has registered."""
        before = self._ids()
        process = multiprocessing.get_context("spawn").Process(
            target=_work, args=(self.settings, FAST), daemon=True
        )
        process.start()
        self.processes.append(process)
        fresh = _wait(lambda: self._ids() - before, "the worker to register", 60)
        return int(next(iter(fresh)))

    def _ids(self) -> set[int]:
        with self.engine.connect() as connection:
            return set(connection.scalars(text("SELECT id FROM procrastinate_workers")))

    def close(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join(timeout=10)


@pytest.fixture
def workers(queued: tuple[Settings, ConnectionsContext], engine: Engine) -> Iterator[Workers]:
    pool = Workers(queued[0], engine)
    try:
        yield pool
    finally:
        pool.close()


def _wait(check: Callable[[], Any], what: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _defer(settings: Settings, ctx: ConnectionsContext, cycle: Callable[[], Any]) -> Any:
    """Run a deferring coroutine in this process, on an app of its own (no worker here)."""
    app = queue.build_app(settings)
    queue.install(queue.Runtime(ctx, app))

    async def go() -> Any:
        async with app.open_async():
            return await cycle()

    return asyncio.run(go())


def _open_jobs(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name IN (:s, :r) "
                    "AND status IN ('todo', 'doing')"
                ),
                {"s": queue.SYNC_TASK, "r": queue.RULES_TASK},
            )
            or 0
        )


def _drained(engine: Engine, timeout: float) -> None:
    try:
        _wait(lambda: _open_jobs(engine) == 0, "the queue to drain", timeout)
    except AssertionError:
        with engine.connect() as connection:
            jobs = connection.execute(
                text(
                    "SELECT task_name, status, worker_id, attempts, count(*) "
                    "FROM procrastinate_jobs WHERE status <> 'succeeded' GROUP BY 1, 2, 3, 4"
                )
            ).all()
        raise AssertionError(f"the queue did not drain in {timeout} s: {jobs}") from None


def _scheduled_runs(engine: Engine) -> list[SyncRun]:
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        return list(db.scalars(select(SyncRun).where(SyncRun.trigger == "schedule")))


def _assert_each_synced_once(engine: Engine, households: list[Household]) -> list[SyncRun]:
    runs = _scheduled_runs(engine)
    succeeded = Counter(r.connection_id for r in runs if r.status == "succeeded")
    assert succeeded == Counter({h.connection_id: 1 for h in households})
    with engine.connect() as connection:
        held = connection.scalars(select(Lease.key).where(Lease.key.like("sync:%"))).all()
    assert held == []
    return runs


def _assert_each_move_once(engine: Engine, sandbox: Sandbox, households: list[Household]) -> int:
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        transfers = list(db.scalars(select(Transfer)))
    dedupe = Counter(t.dedupe_id for t in transfers)
    assert all(count == 1 for count in dedupe.values())
    ours = set(dedupe)
    moved = 0
    for household in households:
        ledger = sandbox.http.get(f"/_sandbox/users/{household.name}/ledger").json()["moves"]
        api_moves = [m for m in ledger if m["dedupe_id"] in ours]
        assert not [m for m in api_moves if m["repeat"]]
        assert len({m["dedupe_id"] for m in api_moves}) == len(api_moves)
        moved += len(api_moves)
    confirmed = [t for t in transfers if t.status == "confirmed"]
    assert moved == len(confirmed)
    # A sweep moves at most once a day: one confirmed transfer per rule at most.
    assert max(Counter(t.automation_id for t in confirmed).values(), default=0) <= 1
    return moved


@pytest.mark.parametrize(
    "users", [pytest.param(30, id="30-users"), pytest.param(200, id="200-users")]
)
def test_two_workers_sync_each_connection_once_and_move_money_once(
    users: int,
    queued: tuple[Settings, ConnectionsContext],
    workers: Workers,
    engine: Engine,
    sandbox: Sandbox,
) -> None:
    settings, ctx = queued
    households = add_monzo_households(ctx, sandbox, users)
    # A cycle that comes round again while its jobs still wait adds nothing (a
    # queueing lock per connection): deferred twice before any worker is up.
    assert _defer(settings, ctx, lambda: queue.sync_cycle(0)) == users
    assert _defer(settings, ctx, lambda: queue.sync_cycle(0)) == 0
    workers.start()
    workers.start()
    _drained(engine, timeout=60 + users)
    runs = _assert_each_synced_once(engine, households)
    assert len(runs) == users

    # Then a rule per household, deferred per account, twice over: one move at most each.
    rule_ids = [r for r in (add_sweep(ctx, h) for h in households) if r is not None]
    assert len(rule_ids) == users
    groups = runner.by_account(ctx, rule_ids)
    assert sum(_defer(settings, ctx, lambda: queue.defer_rules(groups)) for _ in range(2)) >= users
    _drained(engine, timeout=60 + users)
    # Once they have all run, each account's rules run again: a sweep whose slot of the
    # day is handled moves nothing more (the clock's own rules cycle may run them too).
    _defer(settings, ctx, lambda: queue.defer_rules(groups))
    _drained(engine, timeout=60 + users)
    moved = _assert_each_move_once(engine, sandbox, households)
    assert 0 < moved <= users


def test_a_worker_killed_mid_cycle_leaves_its_jobs_to_the_other(
    queued: tuple[Settings, ConnectionsContext],
    workers: Workers,
    engine: Engine,
    sandbox: Sandbox,
) -> None:
    settings, ctx = queued
    households = add_monzo_households(ctx, sandbox, 16)
    # Slow banks: each sync takes a while, so the kill lands in the middle of some.
    sandbox.fault(path="*", kind="latency", ms=150, probability=1)
    doomed = workers.start()
    workers.start()
    assert _defer(settings, ctx, lambda: queue.sync_cycle(0)) == 16

    def doomed_is_busy() -> bool:
        """At least two of its syncs hold their connection's lease (they are mid-run)."""
        with engine.connect() as connection:
            busy = connection.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs j JOIN leases l "
                    "ON l.owner = 'job:' || j.id "
                    "WHERE j.worker_id = :w AND j.status = 'doing' AND j.task_name = :s"
                ),
                {"w": doomed, "s": queue.SYNC_TASK},
            )
        return bool(busy and busy >= 2)

    _wait(doomed_is_busy, "the first worker to be mid-sync", 60)
    process = workers.processes[0]
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    process.join(timeout=10)

    _drained(engine, timeout=120)
    runs = _assert_each_synced_once(engine, households)
    interrupted = [r for r in runs if r.status == "failed"]
    assert len(interrupted) >= 2
    assert all(r.errors == [INTERRUPTED] for r in interrupted)


def test_the_rules_a_sync_touches_become_one_queue_job_per_account(
    queued: tuple[Settings, ConnectionsContext],
    workers: Workers,
    engine: Engine,
    sandbox: Sandbox,
) -> None:
    """A sync (what a worker's sync job runs) hands the rules it touched to the queue,
    one job per current account, instead of running them in its own thread; a second
    sync while that job waits adds nothing; a worker then runs each rule once."""
    from sqlalchemy.orm import Session

    ctx = queued[1]
    households = add_monzo_households(ctx, sandbox, 3)
    for household in households:  # the first sync: pots to sweep into, no rules yet
        sync_engine.sync_connection(ctx, household.connection_id, trigger="manual")
    rule_of = {h.connection_id: add_topup(ctx, h) for h in households}
    assert None not in rule_of.values()
    for household in households:
        for _ in range(2):
            run = sync_engine.sync_connection(ctx, household.connection_id, trigger="manual")
            assert run.status == "succeeded"

    with engine.connect() as connection:
        waiting = connection.execute(
            text("SELECT args, status, lock FROM procrastinate_jobs WHERE task_name = :r"),
            {"r": queue.RULES_TASK},
        ).all()
    assert sorted(row.args["automation_ids"] for row in waiting) == sorted(
        [rule_id] for rule_id in rule_of.values()
    )
    assert {(row.args["trigger"], row.status) for row in waiting} == {("sync", "todo")}
    assert all(row.lock.startswith("rules:") for row in waiting)
    with Session(engine) as db:
        assert db.scalars(select(AutomationRun)).all() == []  # nothing ran in the sync

    workers.start()
    _drained(engine, timeout=60)
    with Session(engine) as db:
        runs = list(db.scalars(select(AutomationRun)))
    assert Counter(r.automation_id for r in runs) == Counter(rule_of.values())
    assert {(r.trigger, r.status) for r in runs} == {("sync", "moved")}
    assert 0 < _assert_each_move_once(engine, sandbox, households) <= len(households)


def test_card_refreshes_due_by_their_plan_become_sync_jobs(
    queued: tuple[Settings, ConnectionsContext],
    workers: Workers,
    engine: Engine,
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The minute's look for planned card refreshes defers a sync job per connection
    due (once while it waits), which the workers run; the plan's own reckoning of what
    is due is tested with the scheduler (`test_scheduled_jobs.py`)."""
    settings, ctx = queued
    households = add_monzo_households(ctx, sandbox, 4)
    due = [h.connection_id for h in households]
    assert refresh_plan.PLAN_TRIGGER == "schedule"  # what the sync job records
    monkeypatch.setattr(refresh_plan, "due_ids", lambda _ctx, _now: due)
    assert _defer(settings, ctx, lambda: queue.card_refreshes(0)) == len(due)
    assert _defer(settings, ctx, lambda: queue.card_refreshes(0)) == 0
    workers.start()
    _drained(engine, timeout=60)
    _assert_each_synced_once(engine, households)
