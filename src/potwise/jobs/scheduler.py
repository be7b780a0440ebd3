"""What runs when: the in-process scheduler used by `serve` and `worker`.

Every job is idempotent and runs at most once at a time in a process
(`max_instances=1`, coalesced); across processes the per-connection sync
lease keeps two workers from syncing the same connection at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from potwise.banks.errors import BankError
from potwise.jobs.fanout import Fanout
from potwise.logs import get_logger
from potwise.services import housekeeping, onboarding
from potwise.services.automations import triggers
from potwise.services.cashflow import alerts as commitment_alerts
from potwise.services.context import ConnectionsContext
from potwise.services.sync import engine, schedule

log = get_logger(__name__)

HOUSEKEEPING_MINUTES = 60
APPROVAL_POLL_SECONDS = 60
SYNC_WORKERS = 8
AUTOMATION_MINUTES = 5
#: The daily look for bills and income that did not arrive (local time).
COMMITMENT_ALERT_HOUR = 10


def run_housekeeping(ctx: ConnectionsContext) -> None:
    with ctx.session_factory() as db:
        housekeeping.purge_expired(db, datetime.now(UTC))


def run_sync_cycle(ctx: ConnectionsContext, fanout: Fanout | None = None) -> int:
    """Sync every connection that is due (over `fanout`'s processes when given);
    returns how many ran."""
    ids = schedule.scheduled_connection_ids(ctx, datetime.now(UTC))
    if fanout is not None and len(ids) > 1:
        statuses = fanout.sync(
            ids, trigger="schedule", threads=SYNC_WORKERS, owner=schedule.owners(ctx, ids)
        )
    else:
        runs = engine.sync_many(ctx, ids, trigger="schedule", max_workers=SYNC_WORKERS)
        statuses = dict(Counter(r.status for r in runs))
    log.info(
        "scheduler.sync_cycle",
        connections=len(ids),
        failed=statuses.get("failed", 0),
        processes=fanout.processes if fanout is not None else 1,
    )
    return sum(statuses.values())


def poll_approvals(ctx: ConnectionsContext) -> None:
    """Monzo logins waiting for the in-app approval: look every minute, so the first
    sync lands inside the five minutes of full history that follow the approval."""
    for connection_id in schedule.awaiting_approval_ids(ctx):
        try:
            onboarding.approve_and_sync(ctx, connection_id)
        except BankError as exc:
            log.warning(
                "scheduler.approval_check_failed", connection_id=connection_id, error=exc.code
            )


def run_due_automations(ctx: ConnectionsContext, fanout: Fanout | None = None) -> None:
    """Rules whose cooldown ran out, or that wait for funds, are looked at again."""
    if fanout is None:
        triggers.run_due(ctx)
        return
    ids = triggers.due_rule_ids(ctx)
    if ids:
        fanout.run_rules(ids, trigger="schedule", threads=triggers.SCHEDULE_WORKERS)


def run_commitment_alerts(ctx: ConnectionsContext) -> int:
    """A missed payment shows by the passage of time, not by a sync: look once a day."""
    return commitment_alerts.check_all(ctx.session_factory, fallback_timezone=ctx.settings.timezone)


def build_scheduler(ctx: ConnectionsContext, *, blocking: bool) -> BaseScheduler:
    """A scheduler with potwise's jobs."""
    settings = ctx.settings
    scheduler: BaseScheduler = (
        BlockingScheduler(timezone=settings.timezone)
        if blocking
        else BackgroundScheduler(timezone=settings.timezone)
    )
    now = datetime.now(UTC)
    # Cycles over many users spread over processes; the pool lives as long as the
    # scheduler (its processes start once, not every cycle).
    fanout = Fanout(settings, settings.worker_processes) if settings.worker_processes > 1 else None
    if fanout is not None:
        scheduler.add_listener(lambda _event: fanout.close(), EVENT_SCHEDULER_SHUTDOWN)
    _add_jobs(scheduler, ctx, fanout, now)
    log.info("scheduler.configured", jobs=[job.id for job in scheduler.get_jobs()])
    return scheduler


def _add_jobs(
    scheduler: BaseScheduler, ctx: ConnectionsContext, fanout: Fanout | None, now: datetime
) -> None:
    """What runs when: each job at most once at a time, missed runs coalesced."""
    common = {"max_instances": 1, "coalesce": True, "args": [ctx]}
    cycle = {**common, "args": [ctx, fanout]}
    scheduler.add_job(
        run_housekeeping,
        "interval",
        minutes=HOUSEKEEPING_MINUTES,
        id="housekeeping",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        run_sync_cycle,
        "interval",
        minutes=ctx.settings.sync_interval_minutes,
        id="sync",
        next_run_time=now + timedelta(seconds=10),
        **cycle,
    )
    scheduler.add_job(
        poll_approvals,
        "interval",
        seconds=APPROVAL_POLL_SECONDS,
        id="monzo-approvals",
        next_run_time=now + timedelta(seconds=5),
        **common,
    )
    scheduler.add_job(
        run_due_automations,
        "interval",
        minutes=AUTOMATION_MINUTES,
        id="automations",
        next_run_time=now + timedelta(seconds=30),
        **cycle,
    )
    scheduler.add_job(
        run_commitment_alerts,
        "cron",
        hour=COMMITMENT_ALERT_HOUR,
        id="commitment-alerts",
        misfire_grace_time=6 * 3600,
        **common,
    )
