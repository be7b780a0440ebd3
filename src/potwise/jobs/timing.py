"""A small scheduler that follows the product's clock.

What is due is decided by `potwise.clock.now()`, so a followed clock sent hours
ahead makes the jobs of those hours due at the next tick; the ticks themselves
are real time (a few a second, stopped at once by an event). Each job runs in a
worker thread, at most once at a time; runs missed while it was busy, or while
the clock jumped, are coalesced into one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from potwise import clock
from potwise.logs import get_logger

log = get_logger(__name__)

#: Real seconds between two looks at what is due.
TICK_SECONDS = 0.25


class Trigger(Protocol):
    """When a job is due next: `after(due, now)` is the first due time later than both."""

    def after(self, due: datetime, now: datetime) -> datetime: ...


@dataclass(frozen=True)
class Every:
    """Every `interval`, counted from the first due time; missed turns are skipped."""

    interval: timedelta

    def after(self, due: datetime, now: datetime) -> datetime:
        following = due + self.interval
        if following > now:
            return following
        return due + self.interval * ((now - due) // self.interval + 1)


@dataclass(frozen=True)
class DailyAt:
    """Once a day at `hour`:00 local time in `zone`."""

    hour: int
    zone: ZoneInfo

    def first(self, now: datetime) -> datetime:
        """The first `hour`:00 at or after `now`."""
        return self._next(now, strictly=False)

    def after(self, due: datetime, now: datetime) -> datetime:
        return self._next(max(due, now), strictly=True)

    def _next(self, moment: datetime, *, strictly: bool) -> datetime:
        day = moment.astimezone(self.zone).date()
        while True:
            candidate = datetime.combine(day, time(self.hour), tzinfo=self.zone).astimezone(UTC)
            if candidate > moment or (candidate == moment and not strictly):
                return candidate
            day += timedelta(days=1)


@dataclass
class Job:
    """A job as scheduled: what it runs, when next, and whether it is running now."""

    id: str
    func: Callable[..., object]
    args: tuple[object, ...]
    trigger: Trigger
    next_run_time: datetime
    running: bool = field(default=False, init=False)
    runs: int = field(default=0, init=False)


class Scheduler:
    """Jobs due by the product's clock, each run in a worker thread, one at a time.

    `start()` blocks until `shutdown()` when `blocking`, else ticks on a background
    thread. `run_pending()` is one tick (tests call it to tick without waiting)."""

    def __init__(self, *, blocking: bool, tick: float = TICK_SECONDS) -> None:
        self.blocking = blocking
        self._tick = tick
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._on_shutdown: list[Callable[[], object]] = []
        self._on_start: list[Callable[[], object]] = []

    def add_job(
        self,
        func: Callable[..., object],
        trigger: Trigger,
        *,
        id: str,
        first_run: datetime,
        args: tuple[object, ...] = (),
    ) -> Job:
        job = Job(id=id, func=func, args=args, trigger=trigger, next_run_time=first_run)
        with self._lock:
            self._jobs[id] = job
        return job

    def remove_job(self, job_id: str) -> None:
        """Unschedule a job (a run already started finishes)."""
        with self._lock:
            del self._jobs[job_id]

    def get_jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def on_start(self, action: Callable[[], object]) -> None:
        """Run `action` when the scheduler starts (e.g. start a real-time loop beside it)."""
        self._on_start.append(action)

    def on_shutdown(self, action: Callable[[], object]) -> None:
        """Run `action` once the scheduler shuts down (e.g. close a process pool)."""
        self._on_shutdown.append(action)

    @property
    def running(self) -> bool:
        return self._pool is not None and not self._stop.is_set()

    def run_pending(self) -> list[Future[None]]:
        """Start every job that is due and idle; the runs started, to wait on."""
        if self._stop.is_set():
            return []
        now = clock.now()
        with self._lock:
            due = [j for j in self._jobs.values() if not j.running and j.next_run_time <= now]
            for job in due:
                job.running = True
                job.next_run_time = job.trigger.after(job.next_run_time, now)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=max(1, len(self._jobs)), thread_name_prefix="potwise-job"
                )
            pool = self._pool
        return [pool.submit(self._run, job) for job in due]

    def start(self) -> None:
        """Tick until shut down: here when blocking, on a thread otherwise."""
        for action in self._on_start:
            action()
        if self.blocking:
            try:
                self._loop()
            finally:
                self.shutdown(wait=False)
            return
        self._thread = threading.Thread(target=self._loop, name="potwise-scheduler", daemon=True)
        self._thread.start()

    def shutdown(self, wait: bool = True) -> None:
        """Stop ticking at once; with `wait`, also wait for the running jobs."""
        if self._stop.is_set():
            return
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=max(1.0, self._tick * 4))
        with self._lock:
            pool = self._pool
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=True)
        for action in self._on_shutdown:
            try:
                action()
            except Exception:
                log.exception("scheduler.shutdown_action_failed")
        log.info("scheduler.stopped")

    def _loop(self) -> None:
        log.info("scheduler.started", jobs=[job.id for job in self.get_jobs()])
        while not self._stop.is_set():
            try:
                self.run_pending()
            except RuntimeError:
                break  # the pool was shut down between two looks
            except Exception:
                log.exception("scheduler.tick_failed")
            self._stop.wait(self._tick)

    def _run(self, job: Job) -> None:
        try:
            job.func(*job.args)
        except Exception:
            log.exception("scheduler.job_failed", job=job.id)
        finally:
            with self._lock:
                job.running = False
                job.runs += 1
