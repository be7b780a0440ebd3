"""A worker's context: the bank context plus everything that listens to its events.

`potwise worker` and every process of a spread cycle (jobs.fanout) start
from here, so a finished sync triggers the same follow-up work wherever it ran.
"""

from __future__ import annotations

from potwise.bootstrap import bootstrap
from potwise.services.context import ConnectionsContext
from potwise.settings import Settings


def worker_context(settings: Settings) -> ConnectionsContext:
    """The context with every subscriber installed; the work after a sync runs inline."""
    return bootstrap(settings)
