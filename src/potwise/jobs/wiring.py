"""A worker's context: the bank context plus everything that listens to its events.

`potwise worker` and every process of a spread cycle (jobs.fanout) start
from here, so a finished sync triggers the same follow-up work wherever it ran.
"""

from __future__ import annotations

from potwise.bootstrap import bootstrap
from potwise.services.automations import triggers
from potwise.services.context import ConnectionsContext
from potwise.settings import Settings


def rule_dispatch(settings: Settings) -> triggers.Dispatch | None:
    """Where the rules an event touched run: on PostgreSQL, a job per account on the
    task queue (`queue.RuleDispatch`); on SQLite, inline where the event happened."""
    # Here, not at the top: the queue imports the scheduler, which imports the fan-out,
    # which starts its processes from this module.
    from potwise.jobs import queue

    return queue.RuleDispatch(settings) if queue.is_queued(settings) else None


def worker_context(settings: Settings) -> ConnectionsContext:
    """The context with every subscriber installed; the work after a sync runs inline,
    but for the rules it touched on PostgreSQL, which go to the queue."""
    return bootstrap(settings, dispatch=rule_dispatch(settings))
