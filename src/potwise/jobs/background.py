"""The scheduled work of a process, in the mode its database calls for.

SQLite: the in-process scheduler (`jobs/scheduler.py`), one per deployment.
PostgreSQL: a procrastinate worker (`jobs/queue_worker.py`), as many as wanted.
`serve` runs it beside the web app; `worker` runs it alone.
"""

from __future__ import annotations

from typing import Protocol

from potwise.jobs import queue
from potwise.jobs.queue_worker import QueueWorker
from potwise.jobs.scheduler import build_scheduler
from potwise.services.context import ConnectionsContext


class Background(Protocol):
    def start(self) -> None: ...

    def shutdown(self, wait: bool = True) -> None: ...


def beside_web(ctx: ConnectionsContext) -> Background:
    """The scheduled work for `potwise serve`, not started yet (it starts on a thread)."""
    if queue.is_queued(ctx.settings):
        return QueueWorker(ctx)
    return build_scheduler(ctx, blocking=False)


def run_alone(ctx: ConnectionsContext) -> None:
    """The scheduled work for `potwise worker`, until SIGINT or SIGTERM."""
    if queue.is_queued(ctx.settings):
        QueueWorker(ctx).run()
        return
    build_scheduler(ctx, blocking=True).start()
