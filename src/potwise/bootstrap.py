"""The composition root: the one place that builds the application context and
subscribes the work that follows an event.

The web app, the worker, every process of a spread cycle and every CLI command
start here, so the same event always sets off the same work wherever it was
published, and every "now" comes from the same clock (`install_clock`). Read the
list in `install_subscribers` to know what happens after a sync or a Monzo webhook.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.services.automations import triggers
from potwise.services.cashflow import alerts as commitment_alerts
from potwise.services.context import ConnectionsContext, build_context
from potwise.services.events import Submit
from potwise.services.insight import budgets
from potwise.services.insight import classify as insight_classify
from potwise.settings import Settings


def bootstrap(
    settings: Settings,
    session_factory: sessionmaker[Session] | None = None,
    *,
    submit: Submit | None = None,
    transport: Any = None,
    dispatch: triggers.Dispatch | None = None,
) -> ConnectionsContext:
    """The context on the settings' database (or `session_factory`), with every
    subscriber installed. `submit` runs the work that follows an event somewhere
    else (the web app's background pool); without it the work runs inline, in the
    publisher's thread (the worker, the CLI). `dispatch` hands the rules an event
    touched to the task queue instead (PostgreSQL deployments)."""
    install_clock(settings)
    if session_factory is None:
        from potwise.db.engine import make_engine, make_session_factory

        session_factory = make_session_factory(make_engine(settings.database_url))
    ctx = build_context(settings, session_factory, transport=transport)
    install_subscribers(ctx, submit, dispatch)
    return ctx


def install_clock(settings: Settings) -> None:
    """The process's clock: the remote clock at `POTWISE_CLOCK_URL` when set (an
    unreachable one is a `clock.ClockError`); unset, the process keeps its own (the
    system clock, unless a test installed another)."""
    if settings.clock_url is not None:
        clock.follow(settings.clock_url)


def install_subscribers(
    ctx: ConnectionsContext,
    submit: Submit | None = None,
    dispatch: triggers.Dispatch | None = None,
) -> None:
    """What follows a sync or a webhook, in this order:

    1. classification, inline and first, so everything after it sees the new rows
       classified;
    2. the rules the event touched (card pots and the rest), or a job per account on
       the task queue for them (`dispatch`);
    3. budget alerts (80 % and 100 %, once a period);
    4. bill alerts (missed, price rises), for a user with bills stored: the check
       stores what detection found first (a new user's bills are stored by the
       worker's daily look, see `services.cashflow.alignment`).
    """
    events, factory, zone = ctx.events, ctx.session_factory, ctx.settings.timezone
    insight_classify.install(events, factory)
    triggers.install(ctx, submit or triggers.run_inline, dispatch)
    budgets.install(events, factory, fallback_timezone=zone, submit=submit)
    commitment_alerts.install(events, factory, fallback_timezone=zone, submit=submit)
