"""Classification benchmarks: 100,000 transactions of one user, full and incremental.

Run: uv run --frozen python benchmarks/classify_bench.py [--quick] [--rounds N]

Setup (not timed): sandbox households (`potwise.sandbox` generator, ten years
each) are generated in this process until there are 100,000 transactions;
each transaction goes through the sandbox's own JSON shapes and the product's
bank mappings, and is stored with the sync's store, all under one user (one
Monzo and one TrueLayer connection per household), so the mirror looks like
a long sync left it. Figures are medians of the rounds:

- full: `reclassify_all` of rows never classified (every row is written);
- again: `reclassify_all` when nothing changed (reads and decides, writes nothing);
- idle: an incremental run after a sync that brought nothing new;
- new: an incremental run after a sync that brought 30 new transactions
  (a day of a busy household), pairing them with what was there.

Wall clock and this process's CPU time are both reported (on PostgreSQL most of
the work is the server's, not counted in the CPU figure), with the load average
at the start and end of each database's rounds: the machine may be shared.

SQLite always; PostgreSQL too when `POTWISE_BENCH_PG_URL` (default: a local
server) answers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select, update

from benchdb import PG_URL, database, postgres_available
from potwise.banks.monzo import mapping as monzo_mapping
from potwise.banks.monzo import schemas as monzo_schemas
from potwise.banks.truelayer import mapping as tl_mapping
from potwise.banks.truelayer import schemas as tl_schemas
from potwise.db.engine import make_session_factory
from potwise.db.models import Account, Connection, Pot, Transaction, User
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.logs import configure_logging
from potwise.sandbox import monzo_shapes, truelayer_shapes
from potwise.sandbox.generator import generate_household
from potwise.sandbox.household import Household
from potwise.services.insight import classify
from potwise.services.sync import store

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
MIRRORED_MONZO = {"uk_retail": "current", "uk_retail_joint": "joint"}


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Batch:
    """One household's transactions, as the product's mappings turn them out."""

    monzo: dict[str, tuple[str, list[BankTransaction]]]  # account id → (kind, rows)
    truelayer: dict[str, tuple[str, str, str, list[BankTransaction]]]  # id → kind, bank, name, rows
    pots: dict[str, str]


def _monzo_rows(h: Household) -> dict[str, tuple[str, list[BankTransaction]]]:
    found: dict[str, tuple[str, list[BankTransaction]]] = {}
    for account in h.monzo_accounts.values():
        kind = MIRRORED_MONZO.get(account.type)
        if account.is_pot_ledger or kind is None:
            continue
        rows = [
            monzo_mapping.transaction(
                monzo_schemas.Transaction.model_validate(
                    monzo_shapes.tx_json(tx, expand_merchant=True)
                )
            )
            for tx in account.txs
        ]
        found[account.id] = (kind, rows)
    return found


def _tl_rows(h: Household) -> dict[str, tuple[str, str, str, list[BankTransaction]]]:
    found: dict[str, tuple[str, str, str, list[BankTransaction]]] = {}
    for account in h.tl_accounts.values():
        card = account.kind == "card"
        rows: list[BankTransaction] = []
        for tx, status in [(t, TransactionStatus.SETTLED) for t in account.settled] + [
            (t, TransactionStatus.PENDING) for t in account.pending
        ]:
            raw = tl_schemas.Transaction.model_validate(truelayer_shapes.tx_json(tx))
            mapper = tl_mapping.map_card_transaction if card else tl_mapping.map_account_transaction
            rows.append(mapper(account.account_id, raw, status=status))
        kind = "credit_card" if card else "current"
        found[account.account_id] = (kind, account.provider_id, account.display_name, rows)
    return found


def households(target: int, years: int) -> Iterator[Batch]:
    total, index = 0, 0
    while total < target:
        h = generate_household(f"bench{index}", 7 + index, years, NOW)
        batch = Batch(_monzo_rows(h), _tl_rows(h), {p.id: p.name for p in h.pots.values()})
        total += sum(len(r) for _, r in batch.monzo.values())
        total += sum(len(r[3]) for r in batch.truelayer.values())
        index += 1
        yield batch


def load(engine: Engine, target: int, years: int) -> tuple[str, int]:
    """Store households under one new user; returns the user id and the row count."""
    factory = make_session_factory(engine)
    with factory() as db:
        user = User(email=f"{uuid.uuid4().hex}@bench.test", password_hash="-")  # noqa: S106
        db.add(user)
        db.commit()
        user_id = user.id
    for batch in households(target, years):
        with factory() as db:
            monzo = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
            tl = Connection(user_id=user_id, provider="truelayer", display_name="Banks")
            db.add_all([monzo, tl])
            db.flush()
            accounts: list[tuple[Connection, str, str, str, str, list[BankTransaction]]] = [
                (monzo, external, kind, "monzo", kind.title(), rows)
                for external, (kind, rows) in batch.monzo.items()
            ] + [
                (tl, external, kind, bank, name, rows)
                for external, (kind, bank, name, rows) in batch.truelayer.items()
            ]
            first_monzo: str | None = None
            for connection, external, kind, bank, name, rows in accounts:
                account = Account(
                    user_id=user_id,
                    connection_id=connection.id,
                    external_id=external,
                    provider=bank,
                    kind=kind,
                    name=name,
                    currency="GBP",
                )
                db.add(account)
                db.flush()
                if bank == "monzo" and first_monzo is None:
                    first_monzo = account.id
                scope = store.Scope(user_id, connection.id, bank)
                store.upsert_transactions(db, scope, account.id, rows, NOW)
            for external, name in batch.pots.items():
                if first_monzo is not None:
                    db.add(
                        Pot(
                            user_id=user_id,
                            connection_id=monzo.id,
                            account_id=first_monzo,
                            external_id=external,
                            name=name,
                            currency="GBP",
                        )
                    )
            db.commit()
    with factory() as db:
        count = db.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.user_id == user_id)
        )
    return user_id, int(count or 0)


def forget(engine: Engine, user_id: str) -> None:
    """Undo every classification (setup for the next cold round, not timed); on
    PostgreSQL the table is then vacuumed."""
    with make_session_factory(engine)() as db:
        db.execute(
            update(Transaction)
            .where(Transaction.user_id == user_id)
            .values(
                classification=None,
                classification_source=None,
                classification_reason=None,
                category_source=None,
                merchant_key=None,
                linked_transaction_id=None,
            )
        )
        db.commit()
    if engine.dialect.name == "postgresql":
        # The reset rewrote every row: vacuum its dead versions now, as autovacuum
        # would in time, so the timed run neither meets them nor races autovacuum.
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM transactions"
            )


def add_a_day(engine: Engine, user_id: str, day: int) -> tuple[str, datetime]:
    """30 new rows on the first Monzo account, as a sync would store them; returns the
    connection and when the sync started."""
    factory = make_session_factory(engine)
    started = datetime.now(UTC)
    with factory() as db:
        account = db.scalars(
            select(Account).where(Account.user_id == user_id, Account.provider == "monzo")
        ).first()
        assert account is not None
        at = NOW + timedelta(days=day)
        rows = [
            BankTransaction(
                external_id=f"bench_{day}_{i}",
                account_external_id=account.external_id,
                created_at=at + timedelta(minutes=i),
                amount=-(500 + i * 37),
                currency="GBP",
                status=TransactionStatus.SETTLED,
                description=f"TESCO STORES {2000 + i} LEEDS",
                merchant="Tesco",
                category="groceries",
                provider_category="groceries",
            )
            for i in range(30)
        ]
        scope = store.Scope(user_id, account.connection_id, "monzo")
        store.upsert_transactions(db, scope, account.id, rows, datetime.now(UTC))
        db.commit()
        return account.connection_id, started


def timed(engine: Engine, work: str, user_id: str, **kwargs: object) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, rows changed)."""
    with make_session_factory(engine)() as db:
        started, cpu = time.perf_counter(), time.process_time()
        if work == "full":
            result = classify.reclassify_all(db, user_id)
        else:
            result = classify.classify_changed(db, user_id, **kwargs)  # type: ignore[arg-type]
        return time.perf_counter() - started, time.process_time() - cpu, result.changed


def load_average() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def bench(kind: str, target: int, years: int, rounds: int) -> dict[str, float]:
    with database(kind, "classify") as engine:
        started = time.perf_counter()
        user_id, count = load(engine, target, years)
        log(f"  {kind}: {count:,} transactions stored in {time.perf_counter() - started:.1f} s")
        runs: dict[str, list[tuple[float, float]]] = {
            "full": [],
            "again": [],
            "new": [],
            "idle": [],
        }
        log(f"  {kind}: load average {load_average()}")
        for index in range(rounds):
            forget(engine, user_id)
            wall, cpu, changed = timed(engine, "full", user_id)
            assert changed == count, (changed, count)
            runs["full"].append((wall, cpu))
            wall, cpu, changed = timed(engine, "full", user_id)
            assert changed == 0
            runs["again"].append((wall, cpu))
            connection_id, since = add_a_day(engine, user_id, index)
            count += 30
            wall, cpu, changed = timed(
                engine, "changed", user_id, connection_ids=(connection_id,), touched_since=since
            )
            assert changed == 30, changed
            runs["new"].append((wall, cpu))
            wall, cpu, changed = timed(
                engine,
                "changed",
                user_id,
                connection_ids=(connection_id,),
                touched_since=datetime.now(UTC),
            )
            assert changed == 0
            runs["idle"].append((wall, cpu))
            log(
                f"    round {index + 1}: "
                + ", ".join(
                    f"{name} {r[-1][0]:.3f} s (CPU {r[-1][1]:.3f})" for name, r in runs.items()
                )
            )
        figures = {"transactions": float(count)}
        for name, values in runs.items():
            figures[name] = statistics.median(w for w, _ in values)
            figures[f"{name}_cpu"] = statistics.median(c for _, c in values)
        log(
            f"  {kind}: full {figures['full']:.2f} s, CPU {figures['full_cpu']:.2f} s "
            f"({count / figures['full']:,.0f} tx/s); "
            f"again (no writes) {figures['again']:.2f} s, CPU {figures['again_cpu']:.2f} s; "
            f"incremental +30 {figures['new'] * 1000:.1f} ms "
            f"(CPU {figures['new_cpu'] * 1000:.1f}); "
            f"incremental idle {figures['idle'] * 1000:.1f} ms "
            f"(CPU {figures['idle_cpu'] * 1000:.1f}) — medians of {rounds}; "
            f"load average {load_average()}"
        )
        return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 transactions, 1 round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        action="append",
        help="only this database (repeatable; default both)",
    )
    args = parser.parse_args(argv)
    configure_logging(production=False, level="WARNING")
    target = 10_000 if args.quick else args.transactions
    rounds = 1 if args.quick else args.rounds
    log(f"classification of {target:,}+ transactions of one user, {rounds} round(s)")
    databases = args.database or ("sqlite", "postgresql")
    kinds = [kind for kind in databases if kind == "sqlite" or postgres_available()]
    if "postgresql" in databases and "postgresql" not in kinds:
        log(f"  PostgreSQL at {PG_URL} not reachable: skipped")
    failed = False
    for kind in kinds:
        figures = bench(kind, target, 10, rounds)
        if kind == "sqlite" and not args.quick and figures["full"] >= 5.0:
            log("  FAIL: classifying 100,000 transactions took 5 s or more on SQLite")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
