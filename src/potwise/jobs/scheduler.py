"""What runs when: the in-process scheduler used by `serve` and `worker`.

The jobs are due by the product's clock (`potwise.clock`: the system's, or the one
`POTWISE_CLOCK_URL` follows), ticked in real time by `jobs/timing.py`. Every job is
idempotent and runs at most once at a time in a process, missed runs coalesced;
across processes the per-connection sync lease keeps two workers from syncing the
same connection at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from potwise import clock
from potwise.banks.errors import BankError
from potwise.jobs.fanout import Fanout
from potwise.jobs.mail_sender import MailSender
from potwise.jobs.timing import TICK_SECONDS, DailyAt, Every, Scheduler
from potwise.logs import get_logger
from potwise.services import account_mail, housekeeping, onboarding
from potwise.services.automations import triggers
from potwise.services.cashflow import alerts as commitment_alerts
from potwise.services.context import ConnectionsContext
from potwise.services.notifications import destinations, email_channel, monzo_feed, sender, webpush
from potwise.services.sync import engine, refresh_plan, schedule

log = get_logger(__name__)

HOUSEKEEPING_MINUTES = 60
APPROVAL_POLL_SECONDS = 60
#: How often the card connections' refresh plans are looked at.
PLAN_CHECK_SECONDS = 60
SYNC_WORKERS = 8
AUTOMATION_MINUTES = 5
#: How often the notification outbox is looked at (deliveries due, digests due).
NOTIFICATION_SECONDS = 15
#: The daily look for bills and income that did not arrive (local time).
COMMITMENT_ALERT_HOUR = 10


def run_housekeeping(ctx: ConnectionsContext) -> None:
    with ctx.session_factory() as db:
        housekeeping.purge_expired(db, clock.now(), retention_days=ctx.settings.retention_days)


def run_sync_cycle(ctx: ConnectionsContext, fanout: Fanout | None = None) -> int:
    """Sync every connection that is due (over `fanout`'s processes when given);
    returns how many ran."""
    ids = schedule.scheduled_connection_ids(ctx, clock.now())
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


def run_planned_refreshes(ctx: ConnectionsContext) -> int:
    """Card connections whose refresh plan says a refresh is due now (checked every
    minute, so a planned refresh is on time to the minute); returns how many ran."""
    ran = refresh_plan.run_due(ctx, clock.now())
    if ran:
        log.info("scheduler.planned_refreshes", connections=ran)
    return ran


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


def send_notifications(ctx: ConnectionsContext) -> int:
    """Gather the digests that are due, then send every delivery that is due."""
    now = clock.now()
    zone = ctx.settings.timezone
    sender.gather_digests(ctx.session_factory, now, zone)
    email = email_channel.sender_for(account_mail.mailer_for(ctx.settings))
    guard = destinations.destinations_for(ctx.settings)
    senders = sender.default_senders(
        email, destinations=guard, webpush=webpush.sender_for(ctx.settings, guard)
    )
    senders[monzo_feed.KIND] = monzo_feed.sender_for(ctx)
    return sender.send_due(
        ctx.session_factory,
        ctx.vault,
        now,
        fallback_zone=zone,
        senders=senders,
    )


def build_scheduler(
    ctx: ConnectionsContext, *, blocking: bool, tick: float = TICK_SECONDS
) -> Scheduler:
    """A scheduler with potwise's jobs, due by the product's clock."""
    settings = ctx.settings
    scheduler = Scheduler(blocking=blocking, tick=tick)
    # Cycles over many users spread over processes; the pool lives as long as the
    # scheduler (its processes start once, not every cycle).
    fanout = Fanout(settings, settings.worker_processes) if settings.worker_processes > 1 else None
    if fanout is not None:
        scheduler.on_shutdown(fanout.close)
    _add_jobs(scheduler, ctx, fanout, clock.now())
    # The outbox is sent on real time, beside the jobs (see jobs/mail_sender.py).
    mail = MailSender(ctx)
    scheduler.on_start(mail.start)
    scheduler.on_shutdown(mail.stop)
    log.info("scheduler.configured", jobs=[job.id for job in scheduler.get_jobs()])
    return scheduler


def _add_jobs(
    scheduler: Scheduler, ctx: ConnectionsContext, fanout: Fanout | None, now: datetime
) -> None:
    """What runs when: each job at most once at a time, missed runs coalesced."""
    common: tuple[object, ...] = (ctx,)
    cycle: tuple[object, ...] = (ctx, fanout)
    scheduler.add_job(
        run_housekeeping,
        Every(timedelta(minutes=HOUSEKEEPING_MINUTES)),
        id="housekeeping",
        first_run=now,
        args=common,
    )
    scheduler.add_job(
        run_sync_cycle,
        Every(timedelta(minutes=ctx.settings.sync_interval_minutes)),
        id="sync",
        first_run=now + timedelta(seconds=10),
        args=cycle,
    )
    scheduler.add_job(
        run_planned_refreshes,
        Every(timedelta(seconds=PLAN_CHECK_SECONDS)),
        id="card-refreshes",
        first_run=now + timedelta(seconds=20),
        args=common,
    )
    scheduler.add_job(
        poll_approvals,
        Every(timedelta(seconds=APPROVAL_POLL_SECONDS)),
        id="monzo-approvals",
        first_run=now + timedelta(seconds=5),
        args=common,
    )
    scheduler.add_job(
        run_due_automations,
        Every(timedelta(minutes=AUTOMATION_MINUTES)),
        id="automations",
        first_run=now + timedelta(seconds=30),
        args=cycle,
    )
    scheduler.add_job(
        send_notifications,
        Every(timedelta(seconds=NOTIFICATION_SECONDS)),
        id="notifications",
        first_run=now + timedelta(seconds=3),
        args=common,
    )
    daily = DailyAt(COMMITMENT_ALERT_HOUR, ZoneInfo(ctx.settings.timezone))
    scheduler.add_job(
        run_commitment_alerts,
        daily,
        id="commitment-alerts",
        first_run=daily.first(now),
        args=common,
    )
