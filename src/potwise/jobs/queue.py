"""Scheduled work as procrastinate tasks, when the database is PostgreSQL.

SQLite (the household default) keeps the in-process scheduler (`jobs/scheduler.py`).
On PostgreSQL the same work becomes jobs in the database, taken by `potwise worker`
processes on any number of machines (`jobs/queue_worker.py`):

- periodic tasks replace the in-process schedule. Every worker runs procrastinate's
  periodic deferrer; the database keeps one job per task and due time
  (`procrastinate_periodic_defers`), so however many workers run, each tick is
  deferred once;
- a sync cycle defers one `sync_connection` job per connection that is due (so does
  the minute's look for card refreshes their plan says are due), a rule
  cycle one `run_rules` job per current account (its rules in their stated order).
  A queueing lock keeps one such job waiting per connection (per account), a lock
  keeps one running, so a cycle that comes round before the last one finished adds
  nothing; the leases stay the guard underneath (a sync started from the web, a
  webhook's rule run);
- the rules a sync or a webhook touched become `run_rules` jobs too (`RuleDispatch`),
  one per current account, so a worker's sync job hands them on instead of running
  them in its own thread, and the web app never runs them at all;
- a job that raises is retried with backoff; a job whose worker died (no heartbeat
  for `stalled_after` seconds) is given to another worker by `retry_stalled`, after
  the sync lease it held under the job's name is freed (`services/sync/abandoned.py`).

Periodic ticks are real time; what is due inside each is still decided by the
product's clock (`clock.now()`), as in the in-process scheduler.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from sqlalchemy.engine import make_url

from potwise import clock
from potwise.jobs import scheduler
from potwise.logs import get_logger
from potwise.services.automations import runner, triggers
from potwise.services.context import ConnectionsContext
from potwise.services.sync import abandoned, engine, refresh_plan, schedule
from potwise.settings import Settings

log = get_logger(__name__)

QUEUE = "potwise"
SYNC_TASK = "potwise.sync_connection"
RULES_TASK = "potwise.run_rules"
#: A job that raised is tried again after 5, 25, then 125 seconds, then left failed.
RETRY = RetryStrategy(max_attempts=4, exponential_wait=5)
#: Seconds between a worker's heartbeats, and without one before its jobs are retried.
HEARTBEAT_SECONDS = 10.0
STALLED_AFTER_SECONDS = 60.0


def is_queued(settings: Settings) -> bool:
    """Whether this deployment runs its scheduled work on the queue (PostgreSQL)."""
    return make_url(settings.database_url).get_backend_name() == "postgresql"


def conninfo(database_url: str) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (its driver name dropped; the query,
    a search path among it, kept)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def sync_lock(connection_id: str) -> str:
    """A sync job's lock and queueing lock: the name of the connection's sync lease."""
    return engine.sync_lease_key(connection_id)


def rules_lock(account_key: str) -> str:
    return f"rules:{account_key}"


def job_owner(job_id: int | None) -> str:
    """The lease holder's name of a queued job (see `abandoned.free_abandoned`)."""
    return f"job:{job_id}"


@dataclass
class Runtime:
    """What this worker process's tasks run with (set once by the worker)."""

    ctx: ConnectionsContext
    app: App
    stalled_after: float = STALLED_AFTER_SECONDS


_RUNTIME: dict[str, Runtime] = {}


def install(runtime: Runtime) -> None:
    _RUNTIME["current"] = runtime


def _runtime() -> Runtime:
    return _RUNTIME["current"]


# --- the work one job does ----------------------------------------------------------------


def sync_connection(context: JobContext, connection_id: str) -> str:
    """One connection's scheduled sync, holding its lease under the job's name."""
    run = engine.sync_connection(
        _runtime().ctx,
        connection_id,
        trigger="schedule",
        lease_owner=job_owner(context.job.id),
    )
    return run.status


def run_rules(
    automation_ids: list[str], trigger: str = "schedule", cause: str | None = None
) -> int:
    """One current account's rules, one after another in their stated order: the
    clock's due rules, or those a sync or a webhook touched (`trigger`, `cause`)."""
    ctx = _runtime().ctx
    if trigger == "schedule":
        return len(runner.run_many(ctx, automation_ids, trigger=trigger, max_workers=1))
    triggers.run_in_turn(ctx, automation_ids, trigger, cause)
    return len(automation_ids)


class RuleDispatch:
    """`triggers.Dispatch` on the queue: the rules an event touched become one
    `run_rules` job per current account, taken by whichever worker is free, instead of
    running in the thread that synced or took the webhook.

    Deferred from any thread (a worker's sync jobs, the web app's webhooks) through a
    small synchronous pool of its own, opened on first use and closed with the
    process. A group already waiting
    with the same rules and trigger is not deferred again (its queueing lock): the
    waiting job reads the news when it starts. Jobs of one account share the cycle's
    lock, so they run one after another, never beside its scheduled run.
    """

    def __init__(self, settings: Settings) -> None:
        connector = SyncPsycopgConnector(
            conninfo=conninfo(settings.database_url), min_size=0, max_size=2
        )
        self._app = App(connector=connector)
        self._app.task(name=RULES_TASK, queue=QUEUE, retry=RETRY)(run_rules)
        self._lock = threading.Lock()
        self._opened = False

    def __call__(self, account: str, rule_ids: list[str], trigger: str, cause: str | None) -> None:
        with self._lock:
            if not self._opened:
                self._app.open()
                self._opened = True
        digest = hashlib.sha256(",".join(rule_ids).encode()).hexdigest()[:16]
        configured = self._app.configure_task(
            RULES_TASK,
            queueing_lock=f"{rules_lock(account)}:{trigger}:{digest}",
            lock=rules_lock(account),
        )
        try:
            ids: list[Any] = list(rule_ids)
            job_id = configured.defer(automation_ids=ids, trigger=trigger, cause=cause)
        except AlreadyEnqueued:
            log.info("queue.rules_already_waiting", rules=len(rule_ids), trigger=trigger)
            return
        log.info("queue.rules_deferred", job_id=job_id, rules=len(rule_ids), trigger=trigger)


# --- what the clock wakes (periodic: the keyword `timestamp` is the tick) ---------------------


async def sync_cycle(timestamp: int) -> int:
    """Defer a sync of every connection that is due; returns how many were deferred."""
    ctx = _runtime().ctx
    ids = await asyncio.to_thread(schedule.scheduled_connection_ids, ctx, clock.now())
    deferred = await defer_syncs(ids)
    log.info("queue.sync_cycle", connections=len(ids), deferred=deferred, tick=timestamp)
    return deferred


async def rules_cycle(timestamp: int) -> int:
    """Defer the due rules, one job per current account; returns how many were deferred."""
    ctx = _runtime().ctx
    ids = await asyncio.to_thread(triggers.due_rule_ids, ctx)
    groups = await asyncio.to_thread(runner.by_account, ctx, ids) if ids else {}
    deferred = await defer_rules(groups)
    log.info("queue.rules_cycle", rules=len(ids), deferred=deferred, tick=timestamp)
    return deferred


async def card_refreshes(timestamp: int) -> int:
    """Defer a sync of every card connection whose refresh plan says one is due now:
    a sync job each, like the cycle's (the same queueing lock, so one already waiting
    does it), taken by any worker instead of all run by the one that got the tick. A
    planned refresh is a scheduled sync (`refresh_plan.PLAN_TRIGGER`), as the job's."""
    ctx = _runtime().ctx
    ids = await asyncio.to_thread(refresh_plan.due_ids, ctx, clock.now())
    deferred = await defer_syncs(ids)
    if ids:
        log.info("queue.card_refreshes", connections=len(ids), deferred=deferred, tick=timestamp)
    return deferred


async def defer_syncs(connection_ids: list[str]) -> int:
    """One sync job per connection, unless one is already waiting; how many were added."""
    added = 0
    for connection_id in connection_ids:
        added += await _defer(SYNC_TASK, sync_lock(connection_id), connection_id=connection_id)
    return added


async def defer_rules(groups: dict[str, list[str]]) -> int:
    """One job per current account (`runner.by_account`'s groups), unless one is already
    waiting; how many were added."""
    added = 0
    for account, members in groups.items():
        added += await _defer(RULES_TASK, rules_lock(account), automation_ids=members)
    return added


async def _defer(task: str, lock: str, **kwargs: Any) -> int:
    """Defer one job unless one with the same queueing lock is already waiting."""
    configured = _runtime().app.configure_task(task, queueing_lock=lock, lock=lock)
    try:
        await configured.defer_async(**kwargs)
    except AlreadyEnqueued:
        return 0
    return 1


def _inline(job: Callable[[ConnectionsContext], object]) -> Callable[[int], Awaitable[None]]:
    """A periodic task that runs `job(ctx)` in a thread (the work is the scheduler's)."""

    async def run(timestamp: int) -> None:
        await asyncio.to_thread(job, _runtime().ctx)

    run.__name__ = job.__name__
    return run


def commitment_alerts(ctx: ConnectionsContext) -> None:
    """The daily look for missed bills, at its hour in the product's time zone (the task
    ticks hourly: cron hours are UTC, the product's hour moves with summer time)."""
    local = clock.now().astimezone(ZoneInfo(ctx.settings.timezone))
    if local.hour == scheduler.COMMITMENT_ALERT_HOUR:
        scheduler.run_commitment_alerts(ctx)


async def retry_stalled(timestamp: int) -> int:
    """Jobs left `doing` by a worker that stopped beating: each sync's lease, held under
    the job's name, is freed (and its run closed), then the job goes back to the queue."""
    state = _runtime()
    manager = state.app.job_manager
    stalled = list(await manager.get_stalled_jobs(seconds_since_heartbeat=state.stalled_after))
    for job in stalled:
        if job.id is None:
            continue
        if job.task_name == SYNC_TASK:
            await asyncio.to_thread(
                abandoned.free_abandoned,
                state.ctx.session_factory,
                str(job.task_kwargs["connection_id"]),
                job_owner(job.id),
                clock.now(),
            )
        try:
            await manager.retry_job(job)
        except Exception:
            # A newer job with the same queueing lock waits already: it does the work.
            log.warning("queue.stalled_superseded", job_id=job.id, task=job.task_name)
            await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
    if stalled:
        log.warning("queue.stalled_retried", jobs=len(stalled), tick=timestamp)
    return len(stalled)


# --- the application ------------------------------------------------------------------------


def every_minutes(minutes: int) -> str:
    """A cron line for "every `minutes` minutes": exact when they divide an hour (or whole
    hours a day); otherwise the largest such step below."""
    if minutes >= 60 and minutes % 60 == 0 and 24 % (minutes // 60) == 0:
        return f"0 */{minutes // 60} * * *" if minutes < 1440 else "0 0 * * *"
    step = max(d for d in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) if d <= max(1, minutes))
    return f"*/{step} * * * *" if minutes < 60 else "0 * * * *"


def periodic_schedule(settings: Settings, stalled_check: str) -> dict[str, str]:
    """Periodic task name → cron (a sixth field, last, is seconds)."""
    return {
        "potwise.sync_cycle": every_minutes(settings.sync_interval_minutes),
        "potwise.rules_cycle": every_minutes(scheduler.AUTOMATION_MINUTES),
        "potwise.card_refreshes": "* * * * *",
        "potwise.monzo_approvals": "* * * * *",
        "potwise.notifications": f"* * * * * */{scheduler.NOTIFICATION_SECONDS}",
        "potwise.housekeeping": "0 * * * *",
        "potwise.commitment_alerts": "0 * * * *",
        "potwise.retry_stalled": stalled_check,
    }


_PERIODIC: dict[str, Callable[[int], Awaitable[object]]] = {
    "potwise.sync_cycle": sync_cycle,
    "potwise.rules_cycle": rules_cycle,
    "potwise.card_refreshes": card_refreshes,
    "potwise.monzo_approvals": _inline(scheduler.poll_approvals),
    "potwise.notifications": _inline(scheduler.send_notifications),
    "potwise.housekeeping": _inline(scheduler.run_housekeeping),
    "potwise.commitment_alerts": _inline(commitment_alerts),
    "potwise.retry_stalled": retry_stalled,
}


#: A periodic tick missed by at most this long (every worker down) is still deferred when
#: a worker starts; older ones are let go (procrastinate's own default).
PERIODIC_MAX_DELAY_SECONDS = 600.0


def build_app(
    settings: Settings,
    *,
    pool_size: int = 4,
    stalled_check: str = "* * * * *",
    periodic_max_delay: float = PERIODIC_MAX_DELAY_SECONDS,
) -> App:
    """The queue's application on the settings' database: its tasks and periodic tasks.
    Deferring needs no worker; `queue_worker` runs one."""
    connector = PsycopgConnector(
        conninfo=conninfo(settings.database_url), min_size=1, max_size=pool_size
    )
    app = App(connector=connector, periodic_defaults={"max_delay": periodic_max_delay})
    app.task(name=SYNC_TASK, queue=QUEUE, retry=RETRY, pass_context=True)(sync_connection)
    app.task(name=RULES_TASK, queue=QUEUE, retry=RETRY)(run_rules)
    for name, cron in periodic_schedule(settings, stalled_check).items():
        task = app.task(name=name, queue=QUEUE)(_PERIODIC[name])
        app.periodic(cron=cron, periodic_id=name)(task)
    return app
