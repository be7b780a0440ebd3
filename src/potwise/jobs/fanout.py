"""Spreading a scheduled cycle over several processes (`POTWISE_WORKER_PROCESSES`).

A sync or a rule run is mostly CPU in Python (parsing bank answers, building
SQL), so one process does at most one core's worth however many threads wait
on the banks. With many users a cycle is split into shares, one per process,
each a whole worker context (the same event wiring as `potwise worker`, so a
finished sync still triggers its rules). Nothing else changes: every
connection and pot keeps its lease, so shares can never double up, and one
share failing never stops the others.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from potwise.jobs.wiring import worker_context
from potwise.logs import configure_logging, get_logger
from potwise.runtime import settle_heap
from potwise.services.automations import runner
from potwise.services.context import ConnectionsContext
from potwise.services.sync import engine
from potwise.settings import Settings

log = get_logger(__name__)

Share = Callable[[list[str], str, int], dict[str, int]]

# This worker process's context and the pool's start barrier (set once by the
# pool's initializer).
_PROCESS: dict[str, Any] = {}
START_TIMEOUT_SECONDS = 120


def _start(settings: Settings, barrier: Any) -> None:
    """In each worker process, once: logging and a full worker context."""
    configure_logging(production=settings.is_production, level=settings.log_level)
    _PROCESS["ctx"] = worker_context(settings)
    _PROCESS["barrier"] = barrier
    settle_heap()


def _context() -> ConnectionsContext:
    ctx: ConnectionsContext = _PROCESS["ctx"]
    return ctx


def _ready() -> int:
    # Every process holds one of these until all have one: n of them, n processes.
    _PROCESS["barrier"].wait(timeout=START_TIMEOUT_SECONDS)
    return os.getpid()


def _sync_share(ids: list[str], trigger: str, threads: int) -> dict[str, int]:
    runs = engine.sync_many(_context(), ids, trigger=trigger, max_workers=threads)
    return dict(Counter(run.status for run in runs))


def _rules_share(ids: list[str], trigger: str, threads: int) -> dict[str, int]:
    outcomes = runner.run_many(_context(), ids, trigger=trigger, max_workers=threads)
    return dict(Counter(outcome.run.status for outcome in outcomes))


def shares(ids: Sequence[str], n: int, owner: Mapping[str, str] | None = None) -> list[list[str]]:
    """`ids` dealt round-robin into at most `n` non-empty shares; with `owner` (id →
    user), a user's ids are dealt together, so one process syncs all of a user's
    connections and announces them together (see `engine.sync_many`)."""
    groups: dict[str, list[str]] = {}
    for item in ids:
        key = owner.get(item, item) if owner is not None else item
        groups.setdefault(key, []).append(item)
    dealt: list[list[str]] = [[] for _ in range(max(1, n))]
    for index, group in enumerate(groups.values()):
        dealt[index % len(dealt)].extend(group)
    return [share for share in dealt if share]


class Fanout:
    """A pool of worker processes kept for the scheduler's lifetime."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.processes = processes
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(
            max_workers=processes,
            mp_context=context,
            initializer=_start,
            initargs=(settings, context.Barrier(processes)),
        )

    def start(self) -> set[int]:
        """Start every process now (each builds its context once) and wait for them;
        returns their process ids."""
        futures = [self._pool.submit(_ready) for _ in range(self.processes)]
        return {future.result() for future in futures}

    def sync(
        self,
        ids: Sequence[str],
        *,
        trigger: str,
        threads: int,
        owner: Mapping[str, str] | None = None,
    ) -> dict[str, int]:
        """Sync `ids` across the processes, each user's in one (`owner`: id → user);
        run statuses counted."""
        return self._spread(_sync_share, ids, trigger, threads, owner)

    def run_rules(self, ids: Sequence[str], *, trigger: str, threads: int) -> dict[str, int]:
        """Run the rules `ids` across the processes; run statuses counted."""
        return self._spread(_rules_share, ids, trigger, threads)

    def _spread(
        self,
        job: Share,
        ids: Sequence[str],
        trigger: str,
        threads: int,
        owner: Mapping[str, str] | None = None,
    ) -> dict[str, int]:
        total: Counter[str] = Counter()
        futures = [
            self._pool.submit(job, share, trigger, threads)
            for share in shares(ids, self.processes, owner)
        ]
        for future in futures:
            try:
                total.update(future.result())
            except Exception:
                log.exception("fanout.share_failed")
                total["crashed_shares"] += 1
        return dict(total)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
