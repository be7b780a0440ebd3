"""A worker's context: the bank context plus everything that listens to its events.

`potwise worker` and every process of a spread cycle (jobs.fanout) start
from here, so a finished sync triggers the same follow-up work wherever it ran.
"""

from __future__ import annotations

from potwise.db.engine import make_engine, make_session_factory
from potwise.services.automations import triggers
from potwise.services.cashflow import alerts as commitment_alerts
from potwise.services.cashflow import alignment as commitment_alignment
from potwise.services.context import ConnectionsContext, build_context
from potwise.services.insight import budgets
from potwise.settings import Settings


def worker_context(settings: Settings) -> ConnectionsContext:
    """Build the context and subscribe the work that follows a sync, inline."""
    ctx = build_context(settings, make_session_factory(make_engine(settings.database_url)))
    triggers.install(ctx, triggers.run_inline)
    budgets.install(ctx.events, ctx.session_factory, fallback_timezone=settings.timezone)
    commitment_alerts.install(ctx.events, ctx.session_factory, fallback_timezone=settings.timezone)
    commitment_alignment.install(
        ctx.events, ctx.session_factory, fallback_timezone=settings.timezone
    )
    return ctx
