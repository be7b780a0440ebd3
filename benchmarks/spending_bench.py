"""Spending breakdown benchmark: twelve months over 100,000 transactions.

Run: uv run --frozen python benchmarks/spending_bench.py [--quick] [--rows N] [--rounds N]
     [--backend sqlite|postgresql]

One user holds every row: a current, a joint and a savings account and two credit
cards, 100,000 transactions (the --rows default) spread over the twelve months the
breakdown covers plus the twelve before them (what the category and merchant
groupings compare with), so each query reads every row of its range. The mix is a
household's: about 85 % spending over 16 categories and 400 merchants, refunds,
salary, pot moves, transfers between own accounts and card repayments, 2 % pending,
0.5 % declined, and a quarter of the rows not classified yet (they take the
by-sign rule). Rows are inserted directly (benchmark setup, not a product path);
the breakdown runs through the product's service, as the API calls it. A second
user with as many rows sits in the same table, so the query must not scan them.

Figures are medians of repeated calls after one warm-up call, wall clock and the
process's CPU time; PostgreSQL runs too when reachable (own schema, dropped after).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, text

from benchdb import PG_URL, database, postgres_available
from potwise.db.engine import make_session_factory
from potwise.db.models import Account, Connection, Transaction, User
from potwise.domain.spending import GroupBy
from potwise.logs import configure_logging
from potwise.services.insight import spending

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
CATEGORIES = (
    "groceries",
    "eating_out",
    "transport",
    "shopping",
    "bills",
    "entertainment",
    "holidays",
    "personal_care",
    "general",
    "family",
    "charity",
    "gifts",
    "cash",
    "expenses",
    "finances",
    None,
)
TARGET_MS = 100.0


def log(message: str) -> None:
    print(message, flush=True)


def _row(
    rng: random.Random, i: int, user_id: str, connection_id: str, accounts: dict[str, str]
) -> dict[str, Any]:
    start = datetime(2024, 12, 1, tzinfo=UTC)
    created = start + timedelta(seconds=rng.randrange(int((NOW - start).total_seconds())))
    draw = rng.random()
    pot = None
    category = rng.choice(CATEGORIES)
    merchant_no = int(rng.paretovariate(1.2)) % 400
    merchant: str | None = f"Merchant {merchant_no}"
    if draw < 0.80:
        classification, amount = "spending", -rng.randrange(100, 12000)
        account = rng.choice(("current", "current", "joint", "amex", "barclaycard"))
    elif draw < 0.84:
        classification, amount = "spending", rng.randrange(100, 5000)  # a refund
        account = rng.choice(("current", "amex"))
    elif draw < 0.86:
        classification, amount, account = "income", 285000, "current"
        category, merchant = "income", None
    elif draw < 0.93:
        classification, amount, account = "pot_move", -rng.randrange(1000, 20000), "current"
        pot, category, merchant = "pot_bench", "savings", None
    elif draw < 0.97:
        classification, amount = "internal_transfer", -rng.randrange(5000, 100000)
        account, category, merchant = "current", "transfers", None
    else:
        classification, amount = "card_repayment", -rng.randrange(5000, 150000)
        account, category, merchant = "current", "bills", None
    unclassified = rng.random() < 0.25 and classification != "internal_transfer"
    status = "settled"
    state = rng.random()
    if state < 0.02:
        status = "pending"
    elif state < 0.025:
        status = "declined"
    return {
        "id": uuid.uuid4().hex,
        "user_id": user_id,
        "connection_id": connection_id,
        "account_id": accounts[account],
        "external_id": f"tx_{i:09d}",
        "created_at": created,
        "amount": amount,
        "currency": "GBP",
        "status": status,
        "description": f"CARD PAYMENT TO {merchant or 'SOMEONE'}".upper(),
        "merchant": merchant,
        "merchant_key": None if unclassified or merchant is None else f"merchant-{merchant_no}",
        "category": category,
        "classification": None if unclassified else classification,
        "pot_external_id": pot,
        "first_seen_at": NOW,
        "updated_at": NOW,
    }


def seed(engine: Engine, rows: int, email: str) -> str:
    """A user with accounts and `rows` transactions; returns the user's id."""
    factory = make_session_factory(engine)
    rng = random.Random(f"spending-bench:{email}")
    with factory() as db:
        user = User(email=email, password_hash="-")  # noqa: S106 - nobody logs in
        db.add(user)
        db.flush()
        connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        accounts: dict[str, str] = {}
        for name, kind in (
            ("current", "current"),
            ("joint", "joint"),
            ("savings", "savings"),
            ("amex", "credit_card"),
            ("barclaycard", "credit_card"),
        ):
            account = Account(
                user_id=user.id,
                connection_id=connection.id,
                external_id=f"acc_{name}",
                provider="monzo",
                kind=kind,
                name=name.capitalize(),
                currency="GBP",
            )
            db.add(account)
            db.flush()
            accounts[name] = account.id
        db.commit()
        user_id, connection_id = user.id, connection.id
    batch = 5000
    with engine.begin() as connection_:
        for offset in range(0, rows, batch):
            connection_.execute(
                insert(Transaction),
                [
                    _row(rng, i, user_id, connection_id, accounts)
                    for i in range(offset, min(rows, offset + batch))
                ],
            )
    # Fresh statistics, as a database that has been in use has (PostgreSQL's
    # autovacuum also marks the pages all-visible, which index-only scans need).
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection_:
            connection_.execute(text("VACUUM ANALYZE transactions"))
    else:
        with engine.connect() as connection_:
            connection_.exec_driver_sql("ANALYZE")
            connection_.commit()
    return user_id


def time_breakdowns(engine: Engine, user_id: str, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Wall and CPU milliseconds of each grouping (the service call, as the API makes it).

    Each round times the call twice: first with nothing kept in memory (the first
    request after a sync or an edit: the query runs), then the same call again (the
    page or API asked again before anything changed: answered from memory after the
    check that nothing did). CPU time is reported next to wall time because on a
    shared machine the wall clock also counts waiting for a core; the CPU time is
    the call's own cost.
    """
    factory = make_session_factory(engine)
    window = spending.resolve_range(None, None, TODAY)
    timings: dict[str, dict[str, list[float]]] = {}
    for group_by in GroupBy:
        samples: dict[str, list[float]] = {"wall": [], "cpu": [], "again": [], "again_cpu": []}
        for attempt in range(rounds + 1):
            spending.forget(user_id)
            for wall_key, cpu_key in (("wall", "cpu"), ("again", "again_cpu")):
                with factory() as db:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    result = spending.breakdown(
                        db, user_id, group_by=group_by, window=window, zone=LONDON
                    )
                    elapsed = (time.perf_counter() - started) * 1000
                    elapsed_cpu = (time.process_time() - started_cpu) * 1000
                if attempt:  # the first round warms caches and compiles the statement
                    samples[wall_key].append(elapsed)
                    samples[cpu_key].append(elapsed_cpu)
        timings[group_by.value] = samples
        wall, cpu = samples["wall"], samples["cpu"]
        log(
            f"  group_by={group_by.value}: median {statistics.median(wall):.1f} ms wall "
            f"(min {min(wall):.1f}, max {max(wall):.1f}), {statistics.median(cpu):.1f} ms CPU; "
            f"asked again: {statistics.median(samples['again']):.2f} ms wall; "
            f"{len(result.groups)} groups, total {result.total.amount / 100:,.2f} GBP "
            f"over {result.total.count:,} rows"
        )
    return timings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke version")
    parser.add_argument("--rows", type=int, default=None, help="transactions (default 100,000)")
    parser.add_argument("--rounds", type=int, default=None, help="timed calls per grouping")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql"), default=None, help="only this database"
    )
    args = parser.parse_args(argv)
    configure_logging(production=True, level="WARNING")
    rows = args.rows or (5_000 if args.quick else 100_000)
    rounds = args.rounds or (3 if args.quick else 15)
    wanted = [args.backend] if args.backend else ["sqlite", "postgresql"]
    kinds = [k for k in wanted if k == "sqlite" or postgres_available()]
    if "postgresql" in wanted and "postgresql" not in kinds:
        log(f"PostgreSQL at {PG_URL} not reachable: skipped")
    summary: list[str] = []
    failed = False
    for kind in kinds:
        with database(kind, "spending") as engine:
            started = time.perf_counter()
            user_id = seed(engine, rows, "bench@spending.test")
            seed(engine, rows, "neighbour@spending.test")
            seeded = time.perf_counter() - started
            log(f"{kind}: seeded 2 x {rows:,} transactions in {seeded:.1f} s")
            timings = time_breakdowns(engine, user_id, rounds)
        for group_by, samples in timings.items():
            median = statistics.median(samples["wall"])
            cpu = statistics.median(samples["cpu"])
            verdict = ""
            if kind == "sqlite":
                verdict = " ok" if median < TARGET_MS else " OVER TARGET"
                failed = failed or median >= TARGET_MS
            again = statistics.median(samples["again"])
            summary.append(
                f"{kind} 12-month breakdown by {group_by} over {rows:,} rows: "
                f"{median:.1f} ms wall, {cpu:.1f} ms CPU (target < {TARGET_MS:.0f} ms on SQLite)"
                f"{verdict}; asked again before a change: {again:.2f} ms"
            )
    log("summary (medians):")
    for line in summary:
        log(f"  {line}")
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
