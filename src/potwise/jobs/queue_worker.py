"""A procrastinate worker for potwise's queue (PostgreSQL): `potwise worker`, or a
thread of `potwise serve`.

A worker takes jobs of every kind (`jobs/queue.py`), up to `concurrency` at once, each
sync job in a thread of its own (the work is synchronous: a sync waits on the banks),
runs the periodic deferrer (the database deduplicates the ticks across workers), beats
every `heartbeat` seconds, and sends account mail on its own thread as the in-process
scheduler does. Start as many as the load needs, on as many machines.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from procrastinate import App

from potwise.jobs import queue
from potwise.jobs.mail_sender import MailSender
from potwise.jobs.scheduler import SYNC_WORKERS
from potwise.logs import get_logger
from potwise.services.context import ConnectionsContext

log = get_logger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker runs; the defaults are production's."""

    concurrency: int = SYNC_WORKERS
    heartbeat: float = queue.HEARTBEAT_SECONDS
    stalled_after: float = queue.STALLED_AFTER_SECONDS
    #: Cron of the look for jobs of dead workers (a sixth field, last, is seconds).
    stalled_check: str = "* * * * *"
    name: str = "potwise"
    #: A periodic tick missed by at most this long is still deferred at start.
    periodic_max_delay: float = queue.PERIODIC_MAX_DELAY_SECONDS


def _root_level() -> int:
    return logging.getLogger().getEffectiveLevel()


class QueueWorker:
    """One worker with the same start/shutdown shape as the in-process scheduler."""

    def __init__(self, ctx: ConnectionsContext, options: WorkerOptions | None = None) -> None:
        self.options = options or WorkerOptions()
        self.ctx = ctx
        # procrastinate says every job's start and end at INFO; potwise's own events
        # (`sync.finished`, `queue.sync_cycle`) say what matters. Failures still show.
        logging.getLogger("procrastinate").setLevel(max(logging.WARNING, _root_level()))
        self.app: App = queue.build_app(
            ctx.settings,
            pool_size=self.options.concurrency + 2,
            stalled_check=self.options.stalled_check,
            periodic_max_delay=self.options.periodic_max_delay,
        )
        self._mail = MailSender(ctx)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None

    def run(self, *, install_signal_handlers: bool = True) -> None:
        """Work until stopped (SIGINT/SIGTERM with the handlers, or `shutdown`)."""
        queue.install(queue.Runtime(self.ctx, self.app, self.options.stalled_after))
        self._mail.start()
        try:
            asyncio.run(self._work(install_signal_handlers))
        finally:
            self._mail.stop()
            log.info("queue.worker_stopped")

    def start(self) -> None:
        """Work on a background thread (`potwise serve`)."""
        self._thread = threading.Thread(
            target=self.run,
            kwargs={"install_signal_handlers": False},
            name="potwise-queue",
            daemon=True,
        )
        self._thread.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; the running ones finish (procrastinate's graceful stop)."""
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        if wait and self._thread is not None:
            self._thread.join(timeout=60)

    async def _work(self, install_signal_handlers: bool) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        # Sync jobs run in the loop's default executor: one thread per job that may run.
        self._loop.set_default_executor(
            ThreadPoolExecutor(self.options.concurrency + 2, thread_name_prefix="potwise-job")
        )
        log.info("queue.worker_started", concurrency=self.options.concurrency)
        async with self.app.open_async():
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    queues=[queue.QUEUE],
                    name=self.options.name,
                    concurrency=self.options.concurrency,
                    install_signal_handlers=install_signal_handlers,
                    update_heartbeat_interval=self.options.heartbeat,
                    stalled_worker_timeout=self.options.stalled_after,
                    delete_jobs="successful",
                )
            )
            stop = asyncio.create_task(self._stopping.wait())
            done, _ = await asyncio.wait({worker, stop}, return_when=asyncio.FIRST_COMPLETED)
            if worker not in done:
                worker.cancel()  # procrastinate waits for the running jobs, then ends
            await asyncio.gather(worker, return_exceptions=True)
            stop.cancel()
