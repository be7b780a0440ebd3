"""When rules run: after a sync, when a Monzo webhook brings a transaction, on a
schedule (cooldowns that ran out, rules waiting for funds), and by hand."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from potwise import clock
from potwise.db.models import Automation
from potwise.domain.transfers import RETRIED_RULE_STATUSES, RuleStatus
from potwise.logs import get_logger
from potwise.services.automations import runner
from potwise.services.connections import ConnectionsContext
from potwise.services.events import Event, Submit, SyncFinished, TransactionsChanged

log = get_logger(__name__)


def _run_quietly(ctx: ConnectionsContext, rule_id: str, trigger: str) -> None:
    try:
        runner.run_rule(ctx, rule_id, trigger=trigger)
    except Exception:
        log.exception("automation.run_crashed", automation_id=rule_id, trigger=trigger)


def install(ctx: ConnectionsContext, submit: Submit) -> None:
    """Run the rules a sync or a webhook touched; `submit` decides where (a thread pool
    in the web app, inline in the worker)."""

    def on_event(event: Event) -> None:
        if isinstance(event, SyncFinished):
            trigger, connection_ids = "sync", event.connection_ids
        elif isinstance(event, TransactionsChanged):
            trigger, connection_ids = "webhook", (event.connection_id,)
        else:
            return
        # A rule touching several of the connections runs once.
        for rule_id in runner.rules_touching(ctx, connection_ids=connection_ids):
            submit(functools.partial(_run_quietly, ctx, rule_id, trigger))

    ctx.events.subscribe(on_event)


def run_inline(job: Callable[[], object]) -> object:
    return job()


def due_rule_ids(ctx: ConnectionsContext, now: datetime | None = None) -> list[str]:
    """Rules to run on the clock: a cooldown that has run out, or waiting for funds."""
    moment = now or clock.now()
    with ctx.session_factory() as db:
        rules = db.scalars(
            select(Automation).where(
                Automation.enabled.is_(True),
                Automation.status.in_(RETRIED_RULE_STATUSES),
            )
        ).all()
        due: list[str] = []
        for rule in rules:
            cooldown = (rule.state or {}).get("cooldown")
            if rule.status == RuleStatus.COOLDOWN and cooldown:
                until = datetime.fromisoformat(str(cooldown["until"]))
                if until > moment:
                    continue
            due.append(rule.id)
        return due


# Rules run side by side on the clock (each under its pot's lease).
SCHEDULE_WORKERS = 8


def run_due(ctx: ConnectionsContext) -> int:
    ids = due_rule_ids(ctx)
    runner.run_many(ctx, ids, trigger="schedule", max_workers=SCHEDULE_WORKERS)
    return len(ids)
