"""Backtests through the product: each rule kind over 12 months of a 3-year household,
`POST /api/v1/automations/backtest` on SQLite.

Run: uv run --frozen python benchmarks/backtest_bench.py [--rounds N] [--seed N]

Setup (not timed): one sandbox household (the generator's, 3 years to NOW) goes
through the sandbox's JSON shapes and the product's bank mappings into the sync's
store, under one user signed in to the app (a Monzo connection for the current and
joint accounts and the pots, a TrueLayer one for the cards), with the balances the
household ends with; then every row is classified, as after a first sync. The clock is
set to NOW.

Timed: each request goes through the app (session cookie, routing, the service
reading the mirror, the replay, JSON). The first call of each kind is shown on its own
(the very first of all also works out the user's commitment detection, then kept in
memory); then the median of --rounds calls, wall clock and this process's CPU time
(the app runs in it). Target: under 2 s each on SQLite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import time_machine
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from potwise.banks.monzo import mapping as monzo_mapping
from potwise.banks.monzo import schemas as monzo_schemas
from potwise.banks.truelayer import mapping as tl_mapping
from potwise.banks.truelayer import schemas as tl_schemas
from potwise.db import migrate
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Connection, Pot
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.logs import configure_logging
from potwise.sandbox import monzo_shapes, truelayer_shapes
from potwise.sandbox.generator import generate_household
from potwise.sandbox.household import Household
from potwise.services.insight import classify
from potwise.services.sync import store
from potwise.settings import load_settings
from potwise.web.app import create_app

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
TARGET_MS = 2000.0
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway local user
MONZO_KINDS = {"uk_retail": "current", "uk_retail_joint": "joint"}


def _monzo(h: Household) -> list[tuple[str, str, int, list[BankTransaction]]]:
    out = []
    for account in h.monzo_accounts.values():
        kind = MONZO_KINDS.get(account.type)
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
        out.append((account.id, kind, account.balance, rows))
    return out


def _cards(h: Household) -> list[tuple[str, str, str, int, list[BankTransaction]]]:
    out = []
    for account in h.tl_accounts.values():
        if account.kind != "card":
            continue
        rows = [
            tl_mapping.map_card_transaction(
                account.account_id,
                tl_schemas.Transaction.model_validate(truelayer_shapes.tx_json(tx)),
                status=status,
            )
            for tx, status in [(t, TransactionStatus.SETTLED) for t in account.settled]
            + [(t, TransactionStatus.PENDING) for t in account.pending]
        ]
        owed = -account.settled_balance  # owed is negative in the user's signs
        out.append((account.account_id, account.provider_id, account.display_name, owed, rows))
    return out


def _account(db: Session, connection: Connection, external: str, **fields: Any) -> str:
    account = Account(
        user_id=connection.user_id,
        connection_id=connection.id,
        external_id=external,
        currency="GBP",
        balance_at=NOW,
        **fields,
    )
    db.add(account)
    db.flush()
    return account.id


def _store(db: Session, connection: Connection, bank: str, account_id: str, rows: Any) -> int:
    scope = store.Scope(connection.user_id, connection.id, bank)
    store.upsert_transactions(db, scope, account_id, rows, NOW)
    return len(rows)


def seed(database_url: str, user_id: str, seed_number: int) -> dict[str, Any]:
    """Store one 3-year household under `user_id`; returns the ids the rules need."""
    h = generate_household("bench", seed_number, 3, NOW)
    with make_session_factory(make_engine(database_url))() as db:
        monzo = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
        tl = Connection(user_id=user_id, provider="truelayer", display_name="Cards")
        db.add_all([monzo, tl])
        db.flush()
        ids: dict[str, str] = {}
        count = 0
        for external, kind, balance, rows in _monzo(h):
            ids[external] = _account(
                db, monzo, external, provider="monzo", kind=kind, name=kind.title(), balance=balance
            )
            count += _store(db, monzo, "monzo", ids[external], rows)
        cards = []
        for external, provider, name, owed, rows in _cards(h):
            card = _account(
                db, tl, external, provider=provider, kind="credit_card", name=name, balance=owed
            )
            cards.append(card)
            count += _store(db, tl, provider, card, rows)
        personal = ids[h.personal_id]
        pots = {}
        for pot in h.pots.values():
            if pot.current_account_id != h.personal_id or pot.deleted:
                continue
            row = Pot(
                user_id=user_id,
                connection_id=monzo.id,
                account_id=personal,
                external_id=pot.id,
                name=pot.name,
                currency="GBP",
                balance=pot.balance,
                balance_at=NOW,
            )
            db.add(row)
            db.flush()
            pots[pot.name] = row.id
        db.commit()
        classify.reclassify_all(db, user_id)
    return {"count": count, "pots": pots, "cards": cards}


def rules(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One rule of each kind on the personal current account's pots."""
    names = sorted(found["pots"])
    pot = found["pots"]["Credit card"] if "Credit card" in names else found["pots"][names[0]]
    other = found["pots"][next(n for n in names if found["pots"][n] != pot)]
    return {
        "sweep (daily)": {"kind": "sweep", "config": {"pot_id": other, "threshold": 50_000}},
        "top-up": {
            "kind": "topup",
            "config": {"pot_id": other, "floor": 20_000, "target": 50_000, "cooldown_hours": 0},
        },
        "salary sorter": {
            "kind": "autosort",
            "config": {
                "steps": [
                    {"pot_id": other, "kind": "percent", "percent": "10"},
                    {"pot_id": pot, "kind": "bills"},
                ]
            },
        },
        "goal": {
            "kind": "goal",
            "config": {
                "pot_id": other,
                "target_amount": 600_000,
                "target_date": "2028-06-01",
                "contribute_on_payday": True,
            },
        },
        "card pot": {
            "kind": "card_pot",
            "config": {"pot_id": pot, "card_account_ids": found["cards"][:1]},
        },
    }


def timed(client: TestClient, label: str, rule: dict[str, Any], rounds: int) -> float:
    def call() -> dict[str, Any]:
        response = client.post("/api/v1/automations/backtest", json={"rule": rule, "months": 12})
        assert response.status_code == 200, response.text[:300]
        return dict(response.json())

    started = time.perf_counter()
    body = call()
    first = (time.perf_counter() - started) * 1000
    walls, cpus = [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    median = statistics.median(walls)
    verdict = "ok" if median < TARGET_MS else "SLOW"
    summary = body["summary"]
    print(
        f"{label}: median {median:.0f} ms wall, {statistics.median(cpus):.0f} ms CPU over "
        f"{rounds} (first {first:.0f} ms; {summary['decisions']} decisions, "
        f"{summary['count']} moves, {len(body['balances'])} days) {verdict}"
    )
    return median


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    configure_logging(production=False, level="WARNING")
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} (1 / 5 / 15 min)")
    with tempfile.TemporaryDirectory() as tmp, time_machine.travel(NOW, tick=True):
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(database_url)
        migrate.upgrade(engine)
        settings = load_settings(
            database_url=database_url,
            data_dir=Path(tmp) / "data",
            secret_key="bench-" + "k" * 58,
            encryption_keys=Fernet.generate_key().decode(),
            public_url="http://testserver",
            _env_file=None,
        )
        with TestClient(create_app(settings, engine=engine)) as client:
            account = {"email": "bench@example.com", "password": PASSWORD}
            user_id = client.post("/api/v1/auth/register", json=account).json()["user"]["id"]
            client.post("/api/v1/auth/login", json=account)
            started = time.perf_counter()
            found = seed(database_url, user_id, args.seed)
            print(
                f"{found['count']:,} transactions (3 years) stored and classified in "
                f"{time.perf_counter() - started:.1f} s"
            )
            results = [
                timed(client, label, rule, args.rounds) for label, rule in rules(found).items()
            ]
        engine.dispose()
    return 0 if all(r < TARGET_MS for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
