"""Bank sandbox benchmarks: generation speed, Monzo page throughput, 1,000 households.

Run: uv run --frozen python benchmarks/sandbox_bench.py
The server runs in a child process on 127.0.0.1; this process generates the load.
Everything is bounded in count and time; figures are medians of repeated rounds.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx2

from potwise.sandbox.clock import monzo_time
from potwise.sandbox.generator import generate_household

NOW = datetime(2026, 5, 19, 12, 0, tzinfo=UTC)


def bench_generation(rounds: int = 5) -> dict[str, float]:
    start = time.perf_counter()
    generate_household("cold", 99, 1, NOW)  # first use also loads the bank-holiday calendar
    cold = time.perf_counter() - start
    times = []
    for seed in range(rounds):
        start = time.perf_counter()
        household = generate_household("demo", seed + 1, 10, NOW)
        times.append(time.perf_counter() - start)
    rows = len(household.monzo_txs) + sum(
        len(a.settled) + len(a.pending) for a in household.tl_accounts.values()
    )
    return {
        "ten_years_median_s": statistics.median(times),
        "ten_years_max_s": max(times),
        "cold_first_year_s": cold,
        "rows_in_ten_years": rows,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = (
        "from potwise.sandbox.server import serve; "
        f"serve(host='127.0.0.1', port={port}, seed=1, years=1, users=1)"
    )
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx2.get(url + "/_sandbox/clock", timeout=1)
            return proc, url
        except httpx2.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("sandbox did not start")


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_pages(
    url: str, *, threads: int = 4, requests: int = 2000, seconds: float = 20, rounds: int = 3
) -> dict[str, float]:
    made = httpx2.post(url + "/_sandbox/users", json={"count": 1}, timeout=30).json()["users"][0]
    token = made["monzo"]["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    accounts = httpx2.get(url + "/monzo/api/accounts", headers=headers).json()["accounts"]
    personal = next(a["id"] for a in accounts if a["type"] == "uk_retail")
    params = {
        "account_id": personal,
        "since": monzo_time(NOW - timedelta(days=80)),
        "limit": "100",
        "expand[]": "merchant",
    }
    page = httpx2.get(url + "/monzo/api/transactions", headers=headers, params=params)
    assert len(page.json()["transactions"]) == 100, page.text[:200]
    size = len(page.content)
    rates = []
    for _ in range(rounds):
        done = [0] * threads
        stop_at = time.monotonic() + seconds
        per_thread = requests // threads

        def worker(index: int, done: list[int], per_thread: int, stop_at: float) -> None:
            with httpx2.Client(base_url=url, headers=headers) as client:
                for _ in range(per_thread):
                    if time.monotonic() > stop_at:
                        return
                    response = client.get("/monzo/api/transactions", params=params)
                    if response.status_code != 200:
                        raise RuntimeError(response.text[:200])
                    done[index] += 1

        started = time.perf_counter()
        pool = [
            threading.Thread(target=worker, args=(i, done, per_thread, stop_at))
            for i in range(threads)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        rates.append(sum(done) / (time.perf_counter() - started))
    return {
        "page_bytes": size,
        "rps_median": statistics.median(rates),
        "rps_rounds": [round(r) for r in rates],
    }  # type: ignore[dict-item]


def bench_households(
    url: str, pid: int, count: int = 999, seconds: float = 240
) -> dict[str, float]:
    start = time.perf_counter()
    made = httpx2.post(
        url + "/_sandbox/users", json={"count": count, "years": 1}, timeout=120
    ).json()["users"]
    create_s = time.perf_counter() - start
    first_access = []
    deadline = time.monotonic() + seconds
    with httpx2.Client(base_url=url, timeout=30) as client:
        for user in made:
            if time.monotonic() > deadline:
                break
            headers = {"Authorization": f"Bearer {user['monzo']['access_token']}"}
            t0 = time.perf_counter()
            r = client.get("/monzo/api/accounts", headers=headers)
            first_access.append(time.perf_counter() - t0)
            if r.status_code != 200:
                raise RuntimeError(r.text[:200])
        total = len(client.get("/_sandbox/users").json()["users"])
    return {
        "users_total": total,
        "create_with_tokens_s": create_s,
        "generated": len(first_access),
        "first_access_median_s": statistics.median(first_access),
        "rss_mb_after": rss_mb(pid),
    }


def main() -> None:
    print("generation:", bench_generation())
    proc, url = start_server()
    try:
        print("server rss at start (MB):", round(rss_mb(proc.pid), 1))
        print("monzo 100-txn page:", bench_pages(url))
        if os.environ.get("SANDBOX_BENCH_SKIP_USERS") != "1":
            print("1,000 households:", bench_households(url, proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
