"""One scheduled sync cycle on PostgreSQL through the task queue, with 1, 2, 3 workers.

Run: uv run --frozen python benchmarks/queue_bench.py [--users N] [--workers 1 2 3]
     [--rounds N] [--latency MS]

The bank sandbox runs in a child process (`potwise sandbox`) with N households (Monzo +
two cards each, as `sync_bench.py --only many`). For each worker count and round: a
fresh schema on `POTWISE_BENCH_PG_URL` (migrated: the queue's schema included), the
households stored as connections (setup, not timed), that many `QueueWorker`
processes (what `potwise worker` runs: 8 jobs at a time each) started and
registered, then one sync job per connection deferred (what the periodic sync cycle
defers; every connection, as `sync_bench.py`'s cycle syncs every connection) and the
time until the queue is empty measured, with the bank calls the sandbox served and
the CPU the worker processes spent. Bounded: every wait has a deadline, the worker
processes and the sandbox are stopped in `finally`.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
import uuid
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from benchdb import PG_URL, pg_schema, postgres_available
from potwise.db.engine import make_engine, make_session_factory
from potwise.jobs import queue
from potwise.jobs.queue_worker import QueueWorker, WorkerOptions
from potwise.jobs.wiring import worker_context
from potwise.logs import configure_logging
from potwise.services.connections import build_context
from potwise.settings import Settings
from sync_bench import CARDS, Sandbox, add_household, log, sandbox, sandbox_settings, tree_cpu

CYCLE_DEADLINE_SECONDS = 1800


def _work(settings: Settings) -> None:
    configure_logging(production=True, level="WARNING")
    QueueWorker(worker_context(settings), WorkerOptions(periodic_max_delay=1.0)).run()


def bench_settings(url: str, sandbox_url: str, folder: Path) -> Settings:
    # The cycle is deferred by the benchmark; the clock's own ticks once a day.
    return sandbox_settings(
        url, sandbox_url, folder, sync_interval_minutes=1440, log_level="WARNING"
    )


def _count(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(sql)) or 0)


def _wait(engine: Engine, sql: str, until: int, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _count(engine, sql) != until:
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def one_cycle(sb: Sandbox, made: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    folder = Path(f"/tmp/potwise-qbench-{uuid.uuid4().hex[:8]}")  # noqa: S108 - data dir only
    with pg_schema("potwise_qbench") as (name, engine):
        settings = bench_settings(f"{PG_URL}?options=-csearch_path%3D{name}", sb.url, folder)
        ctx = build_context(settings, make_session_factory(make_engine(settings.database_url)))
        ids: list[str] = []
        for entry in made:
            ids.extend(add_household(ctx, entry, cards=CARDS, full_history=False).values())
        processes: list[BaseProcess] = []
        try:
            for _ in range(workers):
                process = multiprocessing.get_context("spawn").Process(
                    target=_work, args=(settings,), daemon=True
                )
                process.start()
                processes.append(process)
            _wait(engine, "SELECT count(*) FROM procrastinate_workers", workers, "workers", 120)
            fault = sb.latency(LATENCY_MS[0])
            cpu = sum(tree_cpu(p.pid or 0) for p in processes)
            started = time.perf_counter()
            app = queue.build_app(settings)
            queue.install(queue.Runtime(ctx, app))

            async def defer() -> int:
                async with app.open_async():
                    return await queue.defer_syncs(ids)

            deferred = asyncio.run(defer())
            _wait(
                engine,
                "SELECT count(*) FROM procrastinate_jobs "
                "WHERE task_name = 'potwise.sync_connection' AND status IN ('todo', 'doing')",
                0,
                "the cycle",
                CYCLE_DEADLINE_SECONDS,
            )
            wall = time.perf_counter() - started
            cpu = sum(tree_cpu(p.pid or 0) for p in processes) - cpu
            calls = sb.requests_seen(fault)
            sb.clear_faults()
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT status, count(*) FROM sync_runs GROUP BY status")
                ).all()
            statuses = {str(row[0]): int(row[1]) for row in rows}
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.join(timeout=60)
                if process.is_alive():
                    process.kill()
                    process.join(timeout=10)
            ctx.gateway.close()
    result = {
        "workers": workers,
        "connections": len(ids),
        "deferred": deferred,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_ms_per_connection": 1000 * cpu / max(1, len(ids)),
        "calls": calls,
        "statuses": statuses,
    }
    log(
        f"  {workers} worker(s), {len(ids)} connections: wall {wall:.1f} s, worker CPU "
        f"{cpu:.1f} s ({result['cpu_ms_per_connection']:.0f} ms a connection), "
        f"{calls} bank calls, runs {statuses}"
    )
    return result


LATENCY_MS = [50]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--latency", type=int, default=50, help="ms per bank call")
    args = parser.parse_args(argv)
    if not postgres_available():
        log(f"PostgreSQL is not reachable at {PG_URL}: nothing measured")
        return 1
    configure_logging(production=True, level="WARNING")
    LATENCY_MS[0] = args.latency
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in args.workers}
    with sandbox(1) as sb:
        made = sb.post("/_sandbox/users", {"count": args.users, "years": 1}, timeout=600)["users"]
        for entry in made:  # generate each household's history now (sandbox setup)
            sb.get(f"/_sandbox/users/{entry['name']}")
        log(f"{args.users} users, {args.latency} ms a bank call, {args.rounds} round(s)")
        for _ in range(args.rounds):
            for n in args.workers:
                results[n].append(one_cycle(sb, made, n))
    log("summary (medians):")
    for n, rows in results.items():
        log(
            f"  {n} worker(s): wall {statistics.median(r['wall_s'] for r in rows):.1f} s, "
            f"worker CPU {statistics.median(r['cpu_s'] for r in rows):.1f} s "
            f"({statistics.median(r['cpu_ms_per_connection'] for r in rows):.0f} ms a "
            f"connection), bank calls {statistics.median(r['calls'] for r in rows):.0f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
