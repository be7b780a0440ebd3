"""Sync benchmarks: first sync, ingestion, incremental sync, 1,000 users in one cycle.

Run: uv run --frozen python benchmarks/sync_bench.py [--quick] [--rounds N] [--only NAME ...]

The bank sandbox runs in a child process (`potwise sandbox`) on 127.0.0.1, so its
CPU is not counted against the product; the product is called in this process
through its own services, pointed at the sandbox by its four URLs only. Tokens
come from the sandbox's control API and are stored as connections directly
(benchmark setup, not a product path). Everything is bounded in count and time
and stops by itself; figures are medians of repeated rounds.

Benchmarks (names for --only): first, ingest, incremental, many.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select

from benchdb import PG_URL, database, postgres_available
from potwise.banks.tokens import TokenSet
from potwise.banks.truelayer.mapping import ConnectionDetails
from potwise.db import migrate
from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Connection, Transaction, User
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.jobs.fanout import Fanout
from potwise.logs import configure_logging
from potwise.runtime import settle_heap
from potwise.services.connections import ConnectionsContext, build_context
from potwise.services.gateway import TRUELAYER_SCOPES, ClientCredentials
from potwise.services.insight import classify as insight_classify
from potwise.services.sync import engine as sync_engine
from potwise.services.sync import schedule as sync_schedule
from potwise.services.sync import store
from potwise.settings import Settings, load_settings

CARDS = ("ob-amex", "uk-ob-barclaycard")
MONZO_PAGE = 100


def log(message: str) -> None:
    print(message, flush=True)


# --- the sandbox, in its own process --------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sandbox:
    url: str
    http: httpx2.Client
    process: subprocess.Popen[bytes]

    def post(self, path: str, body: dict[str, Any], timeout: float = 120) -> Any:
        response = self.http.post(path, json=body, timeout=timeout)
        return response.raise_for_status().json()

    def get(self, path: str) -> Any:
        return self.http.get(path).raise_for_status().json()

    def latency(self, ms: int) -> str:
        """Every bank call (not the control API) waits `ms` first; returns the fault id."""
        fault = self.post(
            "/_sandbox/faults", {"path": "*", "kind": "latency", "ms": ms, "probability": 1}
        )
        return str(fault["id"])

    def requests_seen(self, fault_id: str) -> int:
        """Bank requests the sandbox received since the latency fault was added."""
        faults = self.get("/_sandbox/faults")["faults"]
        return int(next(f["seen"] for f in faults if f["id"] == fault_id))

    def clear_faults(self) -> None:
        self.http.delete("/_sandbox/faults").raise_for_status()


@contextmanager
def sandbox(years: int) -> Iterator[Sandbox]:
    port = free_port()
    script = Path(sys.executable).with_name("potwise")
    command = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from potwise.cli import main; main()"]
    )
    command += ["sandbox", "--host", "127.0.0.1", "--port", str(port), "--years", str(years)]
    process = subprocess.Popen(  # noqa: S603 - our own entry point, fixed arguments
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx2.Client(base_url=url, timeout=60) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    http.get("/_sandbox/clock", timeout=1).raise_for_status()
                    break
                except httpx2.HTTPError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("the sandbox did not start") from None
                    time.sleep(0.1)
            yield Sandbox(url=url, http=http, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- the product, pointed at the sandbox ------------------------------------------------


@dataclass
class Product:
    ctx: ConnectionsContext
    engine: Engine
    folder: Path

    def close(self) -> None:
        self.ctx.gateway.close()
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def sandbox_settings(url: str, sandbox_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a product on `url` whose banks are the sandbox at `sandbox_url`
    (its public test clients), with fresh keys; `overrides` set anything else."""
    return load_settings(
        _env_file=None,
        database_url=url,
        data_dir=data_dir,
        secret_key="bench-" + uuid.uuid4().hex * 2,
        encryption_keys=Fernet.generate_key().decode(),
        public_url="http://127.0.0.1:8000",
        monzo_auth_url=f"{sandbox_url}/monzo/auth",
        monzo_api_url=f"{sandbox_url}/monzo/api",
        truelayer_auth_url=f"{sandbox_url}/truelayer/auth",
        truelayer_api_url=f"{sandbox_url}/truelayer/api",
        monzo_client_id="potwise-sandbox",
        monzo_client_secret="sandbox-secret",  # noqa: S106 - the sandbox's public test client
        truelayer_client_id="potwise-sandbox",
        truelayer_client_secret="sandbox-secret",  # noqa: S106 - the sandbox's public test client
        **overrides,
    )


def product(sandbox_url: str) -> Product:
    """A product on a fresh, migrated SQLite file, pointed at the sandbox by URL only."""
    folder = Path(tempfile.mkdtemp(prefix="potwise-bench-"))
    url = f"sqlite:///{folder / 'potwise.db'}"
    settings = sandbox_settings(url, sandbox_url, folder / "data")
    engine = make_engine(url)
    migrate.upgrade(engine)
    ctx = build_context(settings, make_session_factory(engine))
    # The product classifies what a sync stores before anything else reacts to it.
    insight_classify.install(ctx.events, ctx.session_factory)
    settle_heap()  # as `potwise serve`, `worker` and `sync` do once started (once a process)
    return Product(ctx=ctx, engine=engine, folder=folder)


def add_household(
    ctx: ConnectionsContext,
    made: dict[str, Any],
    *,
    cards: Sequence[str],
    full_history: bool,
) -> dict[str, str]:
    """Store a sandbox household's ready tokens as a user's connections (benchmark setup:
    what the OAuth callbacks would have stored). Returns provider → connection id."""
    now = datetime.now(UTC)
    vault = ctx.vault
    window = now + timedelta(minutes=5) if full_history else None
    with ctx.session_factory() as db:
        user = User(email=f"{made['name']}-{uuid.uuid4().hex[:6]}@bench.test", password_hash="-")  # noqa: S106 - no login
        db.add(user)
        db.flush()
        monzo = made["monzo"]
        rows = {
            "monzo": Connection(
                user_id=user.id,
                provider="monzo",
                display_name="Monzo",
                external_user_id=monzo["user_id"],
                access_token_enc=vault.encrypt(monzo["access_token"]),
                refresh_token_enc=vault.encrypt(monzo["refresh_token"]),
                token_expires_at=now + timedelta(seconds=int(monzo["expires_in"])),
                status="active",
                full_history_until=window,
            )
        }
        for provider_id in cards:
            tokens, me = truelayer_consent(ctx, made["name"], provider_id)
            rows[provider_id] = Connection(
                user_id=user.id,
                provider="truelayer",
                provider_id=provider_id,
                display_name=me.provider_name or provider_id,
                external_user_id=me.credentials_id,
                access_token_enc=vault.encrypt(tokens.access_token),
                refresh_token_enc=vault.encrypt(tokens.refresh_token or ""),
                token_expires_at=tokens.expires_at,
                consent_expires_at=me.consent_expires_at,
                scopes=tokens.scope,
                status="active",
                full_history_until=window,
            )
        db.add_all(rows.values())
        db.commit()
        return {name: row.id for name, row in rows.items()}


def truelayer_consent(
    ctx: ConnectionsContext, sandbox_user: str, provider_id: str
) -> tuple[TokenSet, ConnectionDetails]:
    """A TrueLayer consent with the scopes the product asks for: the bank's authorize page
    (approved at once by the sandbox), then the code exchanged for tokens (setup)."""
    settings = ctx.settings
    oauth = ctx.gateway.truelayer_oauth(
        ClientCredentials(
            settings.truelayer_client_id or "",
            settings.truelayer_client_secret.get_secret_value()
            if settings.truelayer_client_secret
            else None,
        )
    )
    redirect_uri = ctx.gateway.redirect_uri("truelayer")
    authorize = oauth.authorize_url(
        redirect_uri=redirect_uri,
        state=uuid.uuid4().hex,
        scopes=TRUELAYER_SCOPES,
        providers=settings.truelayer_providers,
        provider_id=provider_id,
    )
    authorize += f"&auto_approve=1&sandbox_user={sandbox_user}&sandbox_provider={provider_id}"
    landed = ctx.gateway.http.get(authorize, follow_redirects=False)
    if landed.status_code not in (302, 303):
        raise RuntimeError(f"TrueLayer authorize: HTTP {landed.status_code} {landed.text[:200]}")
    code = parse_qs(urlsplit(landed.headers["location"]).query)["code"][0]
    tokens = oauth.exchange_code(code=code, redirect_uri=redirect_uri, now=datetime.now(UTC))
    return tokens, ctx.gateway.truelayer(tokens.access_token).me()


def monzo_pages(n: int) -> int:
    """Pages the Monzo pagination needs for n transactions (a full last page needs one more
    call to learn it was the last; no transactions still take one call)."""
    return n // MONZO_PAGE + 1


def minimum_calls(view: dict[str, Any], cards: Sequence[str]) -> tuple[int, int, dict[str, int]]:
    """(fewest calls the pagination allows, calls on the longest chain, per-connection)."""
    open_accounts = [a for a in view["monzo"]["accounts"] if not a["closed"]]
    per_account = [2 + monzo_pages(a["transactions"]) for a in open_accounts]  # balance, pots
    per = {"monzo": 2 + sum(per_account)}  # two account lists (retail, joint)
    longest = 2 + max(per_account, default=0)
    for provider_id in cards:
        # cards, accounts, then per card: balance, pending, transactions
        per[provider_id] = 2 + 3 * len(view["truelayer"][provider_id])
        longest = max(longest, 5)
    return sum(per.values()), longest, per


def bare_chain(sb: Sandbox, made: dict[str, Any], view: dict[str, Any]) -> tuple[int, float]:
    """The longest chain walked by a bare client, for comparison: the same requests in the
    same order (two account lists, the biggest account's balance and pots, then its
    pages by the last id), each answer only decoded for the next page's `since`.
    Returns (calls, wall seconds): the floor the sandbox's own serving time allows."""
    token = made["monzo"]["access_token"]
    biggest = max(
        (a for a in view["monzo"]["accounts"] if not a["closed"]),
        key=lambda a: a["transactions"],
    )
    calls = 0
    with httpx2.Client(
        base_url=f"{sb.url}/monzo/api", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        started = time.perf_counter()
        for kind in ("uk_retail", "uk_retail_joint"):
            http.get("/accounts", params={"account_type": kind}).raise_for_status()
            calls += 1
        for path in ("/balance", "/pots"):
            key = "account_id" if path == "/balance" else "current_account_id"
            http.get(path, params={key: biggest["id"]}).raise_for_status()
            calls += 1
        calls += bare_pages(lambda params: http.get("/transactions", params=params), biggest["id"])
        return calls, time.perf_counter() - started


def bare_pages(get: Callable[[dict[str, Any]], Any], account_id: str) -> int:
    """Walk one Monzo account's pages by the last id, as the product does, with `get`
    (query parameters -> answer); answers only decoded for the next `since`. Returns
    the calls made."""
    since: str | None = None
    calls = 0
    while True:
        params: dict[str, Any] = {
            "account_id": account_id,
            "limit": MONZO_PAGE,
            "expand[]": "merchant",
        }
        if since is not None:
            params["since"] = since
        items = get(params).raise_for_status().json()["transactions"]
        calls += 1
        if len(items) < MONZO_PAGE:
            return calls
        since = items[-1]["id"]


def bare_household(
    sb: Sandbox,
    made: dict[str, Any],
    view: dict[str, Any],
    ids: dict[str, str],
    ctx: ConnectionsContext,
) -> tuple[int, float]:
    """Every call of the household's first sync made by bare clients, with the product's
    concurrency (each Monzo account's balance, pots and pages side by side with the
    others and with each card's chain), answers only decoded: the floor the sandbox
    allows when it serves the whole household at once. Returns (calls, wall seconds)."""
    monzo = made["monzo"]["access_token"]
    with ctx.session_factory() as db:
        card_tokens = {
            provider: ctx.vault.decrypt(str(db.get(Connection, ids[provider]).access_token_enc))
            for provider in CARDS
        }
    calls = 0
    lock = threading.Lock()

    def get(
        http: httpx2.Client, path: str, params: dict[str, Any] | None = None, *, check: bool = True
    ) -> Any:
        nonlocal calls
        with lock:
            calls += 1
        response = http.get(path, params=params)
        return response.raise_for_status().json() if check else None

    def monzo_account(http: httpx2.Client, account_id: str) -> None:
        nonlocal calls
        with ThreadPoolExecutor(max_workers=2) as beside:
            beside.submit(get, http, "/balance", {"account_id": account_id})
            beside.submit(get, http, "/pots", {"current_account_id": account_id})
            pages = bare_pages(lambda params: http.get("/transactions", params=params), account_id)
            with lock:
                calls += pages

    def monzo_chain() -> None:
        with httpx2.Client(
            base_url=f"{sb.url}/monzo/api", headers={"Authorization": f"Bearer {monzo}"}
        ) as http:
            accounts = [
                a
                for kind in ("uk_retail", "uk_retail_joint")
                for a in get(http, "/accounts", {"account_type": kind})["accounts"]
                if not a.get("closed")
            ]
            with ThreadPoolExecutor(max_workers=len(accounts) or 1) as pool:
                list(pool.map(lambda a: monzo_account(http, a["id"]), accounts))

    def card_chain(provider: str) -> None:
        with httpx2.Client(
            base_url=f"{sb.url}/truelayer/api/data/v1",
            # Made as the product's first sync is: with the user present.
            headers={"Authorization": f"Bearer {card_tokens[provider]}", "X-PSU-IP": "127.0.0.1"},
        ) as http:
            cards = get(http, "/cards")["results"]
            get(
                http, "/accounts", check=False
            )  # card providers may answer 501, as the product allows
            for card in cards:
                get(http, f"/cards/{card['account_id']}/balance")
                get(http, f"/cards/{card['account_id']}/transactions/pending")
                get(http, f"/cards/{card['account_id']}/transactions", window)

    today = datetime.now(UTC).date()
    window = {"from": (today - timedelta(days=6 * 366)).isoformat(), "to": today.isoformat()}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1 + len(CARDS)) as pool:
        jobs = [pool.submit(monzo_chain), *(pool.submit(card_chain, p) for p in CARDS)]
        for job in jobs:
            job.result()
    return calls, time.perf_counter() - started


def transaction_count(ctx: ConnectionsContext) -> int:
    with ctx.session_factory() as db:
        return int(db.scalar(select(func.count()).select_from(Transaction)) or 0)


# --- 1 and 3: first sync and incremental sync of one household ------------------------------


def _incremental_round(
    sb: Any,
    fault: Any,
    ctx: ConnectionsContext,
    view: dict[str, Any],
    ids: dict[str, str],
    known: int,
    index: int,
) -> dict[str, float]:
    """The scheduled cycle (unattended) right after the first sync, nothing new."""
    open_accounts = sum(1 for a in view["monzo"]["accounts"] if not a["closed"])
    cards = sum(len(view["truelayer"][p]) for p in CARDS)
    # Monzo: two account lists + balance, pots, one page per account;
    # TrueLayer per card: balance, pending, transactions.
    most = 2 + 3 * open_accounts + 3 * cards
    seen = sb.requests_seen(fault)
    started, cpu = time.perf_counter(), time.process_time()
    runs = sync_engine.sync_many(ctx, list(ids.values()), trigger="schedule")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    served = sb.requests_seen(fault) - seen
    calls = sum(r.api_calls for r in runs)
    new = sum(r.counts.get("transactions", 0) for r in runs)
    added = transaction_count(ctx) - known
    log(
        f"  incremental round {index + 1}: {calls} calls (sandbox saw {served}; "
        f"at most {most}), {new} rows re-read, {added} new, "
        f"statuses {sorted(r.status for r in runs)}, wall {wall:.3f} s, "
        f"cpu {cpu:.3f} s"
    )
    return {"calls": calls, "most": most, "wall_s": wall, "cpu_s": cpu}


def bench_first_and_incremental(
    rounds: int, years: int, latency_ms: int, *, warm_sandbox: bool = True
) -> dict[str, Any]:
    first: list[dict[str, float]] = []
    again: list[dict[str, float]] = []
    with sandbox(years) as sb:
        fault = sb.latency(latency_ms)
        for index in range(rounds):
            made = sb.post("/_sandbox/users", {"count": 1, "years": years})["users"][0]
            view = sb.get(f"/_sandbox/users/{made['name']}")  # generates its history (setup)
            minimum, chain, per = minimum_calls(view, CARDS)
            app = product(sb.url)
            try:
                # A running server has synced before: warm the product process (SQL
                # statement compilation, schema building, connections to the bank) on
                # another household first, so the figure is a household's first sync,
                # not the process's.
                warm = sb.post("/_sandbox/users", {"count": 1, "years": 1})["users"][0]
                sb.get(f"/_sandbox/users/{warm['name']}")
                warm_ids = add_household(app.ctx, warm, cards=CARDS, full_history=True)
                sync_engine.sync_many(
                    app.ctx, list(warm_ids.values()), trigger="manual", psu_ip="127.0.0.1"
                )
                ids = add_household(app.ctx, made, cards=CARDS, full_history=True)
                if warm_sandbox:
                    # The sandbox keeps each transaction's JSON once it has served it,
                    # and serves a page it has served before 3-6 ms sooner. The bare
                    # clients below meet it warm, so the product must too: the same
                    # calls are made once here, before anything is measured.
                    bare_household(sb, made, view, ids, app.ctx)
                base = transaction_count(app.ctx)
                seen = sb.requests_seen(fault)
                recorded: list[float] = []
                started, cpu = time.perf_counter(), time.process_time()
                runs = sync_engine.sync_many(
                    app.ctx,
                    list(ids.values()),
                    trigger="manual",
                    psu_ip="127.0.0.1",
                    on_done=lambda _run, done=recorded: done.append(time.perf_counter()),
                )
                wall, cpu = time.perf_counter() - started, time.process_time() - cpu
                # The mirror is complete when the last run is recorded; what follows
                # inside the same call is the work every sync announces (classifying
                # the new rows, budgets, alerts, rules).
                mirrored = max(recorded) - started
                served = sb.requests_seen(fault) - seen
                statuses = sorted(r.status for r in runs)
                if statuses != ["succeeded"] * len(ids):
                    raise RuntimeError(f"first sync did not succeed: {[r.errors for r in runs]}")
                calls = sum(r.api_calls for r in runs)
                bound = chain * latency_ms / 1000
                rows = transaction_count(app.ctx) - base
                bare_calls, bare = bare_chain(sb, made, view)
                household_calls, household = bare_household(sb, made, view, ids, app.ctx)
                first.append(
                    {
                        "calls": calls,
                        "served": served,
                        "minimum": minimum,
                        "chain": chain,
                        "wall_s": wall,
                        "cpu_s": cpu,
                        "bound_s": bound,
                        "ratio": wall / bound,
                        "rows": rows,
                        "bare_s": bare,
                        "bare_ratio": wall / bare,
                        "mirrored_s": mirrored,
                        "mirrored_ratio": mirrored / bound,
                        "household_s": household,
                    }
                )
                log(
                    f"  first sync round {index + 1}: {calls} calls (sandbox saw {served}; "
                    f"minimum {minimum} = {per}), {rows} rows, wall {wall:.3f} s vs chain "
                    f"{chain} x {latency_ms} ms = {bound:.3f} s -> {wall / bound:.2f}x "
                    f"(mirror written at {mirrored:.3f} s -> {mirrored / bound:.2f}x; the "
                    f"announced work after it {wall - mirrored:.3f} s), cpu {cpu:.3f} s; a bare "
                    f"client walks the chain ({bare_calls} calls) in {bare:.3f} s -> "
                    f"{wall / bare:.2f}x of that; bare clients make all {household_calls} "
                    f"calls, chains side by side, in {household:.3f} s"
                )
                again.append(_incremental_round(sb, fault, app.ctx, view, ids, base + rows, index))
            finally:
                app.close()
        sb.clear_faults()
    return {"first": first, "incremental": again}


# --- 2: ingestion --------------------------------------------------------------------


def fake_transactions(n: int, account: str) -> list[BankTransaction]:
    start = datetime(2021, 1, 1, tzinfo=UTC)
    return [
        BankTransaction(
            external_id=f"tx_{i:08d}",
            account_external_id=account,
            created_at=start + timedelta(minutes=17 * i),
            settled_at=start + timedelta(minutes=17 * i, days=1),
            amount=-(i % 9000 + 50),
            currency="GBP",
            status=TransactionStatus.SETTLED,
            description=f"CARD PAYMENT TO SHOP {i % 700}",
            merchant=f"Shop {i % 700}",
            category="groceries",
            counterparty=None,
        )
        for i in range(n)
    ]


def _ingest_once(engine: Engine, rows: list[BankTransaction], page: int) -> float:
    factory = make_session_factory(engine)
    now = datetime.now(UTC)
    with factory() as db:
        user = User(email=f"{uuid.uuid4().hex}@bench.test", password_hash="-")  # noqa: S106 - no login
        db.add(user)
        db.flush()
        connection = Connection(user_id=user.id, provider="monzo", display_name="Monzo")
        db.add(connection)
        db.flush()
        account = Account(
            user_id=user.id,
            connection_id=connection.id,
            external_id="acc_bench",
            provider="monzo",
            kind="current",
            name="Current",
            currency="GBP",
        )
        db.add(account)
        db.commit()
        scope = store.Scope(user.id, connection.id, "monzo")
        account_id = account.id
    started = time.perf_counter()
    for offset in range(0, len(rows), page):
        with factory() as db:
            store.upsert_transactions(db, scope, account_id, rows[offset : offset + page], now)
            db.commit()
    elapsed = time.perf_counter() - started
    with factory() as db:
        stored = db.scalar(select(func.count()).select_from(Transaction)) or 0
        assert stored == len(rows), stored
    return elapsed


def bench_ingest(
    rounds: int, n: int, databases: Sequence[str] = ("sqlite", "postgresql")
) -> dict[str, Any]:
    rows = fake_transactions(n, "acc_bench")
    results: dict[str, Any] = {}
    kinds = [kind for kind in databases if kind == "sqlite" or postgres_available()]
    if "postgresql" in databases and "postgresql" not in kinds:
        log(f"  PostgreSQL at {PG_URL} not reachable: skipped")
    for kind in kinds:
        # One call with every row (the store batches it), and 100-row pages committed one
        # by one (what a Monzo sync does): new rows, then the same rows again (updates).
        for label, page in (("one call", n), ("pages of 100", 100)):
            new, repeat = [], []
            for _ in range(rounds):
                with database(kind, "ingest") as engine:
                    new.append(n / _ingest_once(engine, rows, page))
                    repeat.append(n / _reupsert(engine, rows, page))
            key = f"{kind}, {label}"
            results[key] = {"insert": new, "update": repeat}
            log(
                f"  {key}: insert {statistics.median(new):,.0f} rows/s "
                f"(rounds {[round(r) for r in new]}), re-upsert "
                f"{statistics.median(repeat):,.0f} rows/s (rounds {[round(r) for r in repeat]})"
            )
    return results


def _reupsert(engine: Engine, rows: list[BankTransaction], page: int) -> float:
    factory = make_session_factory(engine)
    with factory() as db:
        account = db.scalars(select(Account)).one()
        scope = store.Scope(account.user_id, account.connection_id, "monzo")
    now = datetime.now(UTC)
    started = time.perf_counter()
    for offset in range(0, len(rows), page):
        with factory() as db:
            store.upsert_transactions(db, scope, account.id, rows[offset : offset + page], now)
            db.commit()
    return time.perf_counter() - started


# --- 4: many users in one scheduled cycle ------------------------------------------------


def bench_many(
    users: int, latency_ms: int, workers: int, cards: Sequence[str], processes: int = 1
) -> dict[str, Any]:
    with sandbox(1) as sb:
        started = time.perf_counter()
        made = sb.post("/_sandbox/users", {"count": users, "years": 1}, timeout=300)["users"]
        for entry in made:  # generate each household's history now (sandbox setup)
            sb.get(f"/_sandbox/users/{entry['name']}")
        log(f"  sandbox: {users} households with tokens in {time.perf_counter() - started:.1f} s")
        app = product(sb.url)
        try:
            ids: list[str] = []
            for entry in made:
                ids.extend(add_household(app.ctx, entry, cards=cards, full_history=False).values())
            fault = sb.latency(latency_ms)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            fanout = None
            if processes > 1:
                quiet = app.ctx.settings.model_copy(update={"log_level": "WARNING"})
                fanout = Fanout(quiet, processes)
                fanout.start()  # a worker's pool lives across cycles
            started, cpu = time.perf_counter(), process_cpu((sb.process.pid,))
            bank_cpu = tree_cpu(sb.process.pid)
            if fanout is not None:
                statuses = fanout.sync(
                    ids,
                    trigger="schedule",
                    threads=workers,
                    owner=sync_schedule.owners(app.ctx, ids),
                )
                calls = int(sb.requests_seen(fault))
            else:
                runs = sync_engine.sync_many(app.ctx, ids, trigger="schedule", max_workers=workers)
                statuses = {}
                for run in runs:
                    statuses[run.status] = statuses.get(run.status, 0) + 1
                calls = sum(r.api_calls for r in runs)
            wall, cpu = time.perf_counter() - started, process_cpu((sb.process.pid,)) - cpu
            bank_cpu = tree_cpu(sb.process.pid) - bank_cpu
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if fanout is not None:
                fanout.close()
                peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            served = sb.requests_seen(fault)
            result = {
                "users": users,
                "connections": len(ids),
                "wall_s": wall,
                "cpu_s": cpu,
                "sandbox_cpu_s": bank_cpu,
                "calls": calls,
                "served": served,
                "rows": transaction_count(app.ctx),
                "statuses": statuses,
                "peak_rss_mb": peak,
                "rss_before_mb": rss_before,
                "workers": workers,
                "processes": processes,
            }
            log(
                f"  {users} users ({len(ids)} connections, {processes} process(es) x {workers} "
                f"threads, {latency_ms} ms "
                f"latency): wall {wall:.1f} s, cpu {cpu:.1f} s (the sandbox's own: "
                f"{bank_cpu:.1f} s), {result['calls']} calls "
                f"(sandbox saw {served}), {result['rows']} rows, {statuses}, "
                f"peak RSS {peak:.0f} MB (before the cycle {rss_before:.0f} MB)"
            )
            return result
        finally:
            app.close()


# --- CPU of this process and its worker processes ----------------------------------------


def process_cpu(exclude: Sequence[int] = ()) -> float:
    """CPU seconds of this process and its children but `exclude` (the sandbox), the
    live ones included (from /proc: the kernel only adds a child's time to
    RUSAGE_CHILDREN once it has exited; the sandbox runs until the end)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    except OSError:
        return total
    for pid in children:
        if int(pid) in exclude:
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and its live descendants (the sandbox), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
        pending.extend(int(child) for child in children)
    return total


# --- main ------------------------------------------------------------------------------


def _median(items: list[dict[str, float]], key: str) -> float:
    return statistics.median(item[key] for item in items)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short smoke version")
    parser.add_argument("--only", nargs="*", default=[], help="first, ingest, incremental, many")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 3; 1 quick)")
    parser.add_argument("--users", type=int, default=None, help="users for 'many'")
    parser.add_argument("--workers", type=int, default=None, help="threads per process, 'many'")
    parser.add_argument(
        "--processes", type=int, default=1, help="worker processes for 'many' (WORKER_PROCESSES)"
    )
    parser.add_argument(
        "--latency", type=int, default=50, help="ms per bank call for 'many' (0: CPU only)"
    )
    parser.add_argument(
        "--cold-sandbox",
        action="store_true",
        help="'first': the product is the first to read each household (the sandbox then "
        "serves each page a few ms slower than to the bare clients measured after it)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        action="append",
        help="'ingest': only this database (repeatable; default both)",
    )
    args = parser.parse_args(argv)
    configure_logging(production=True, level="WARNING")
    quick = args.quick
    wanted = set(args.only) or {"first", "ingest", "incremental", "many"}
    rounds = args.rounds or (1 if quick else 3)
    summary: list[str] = []
    if wanted & {"first", "incremental"}:
        years = 1 if quick else 5
        log(f"first sync + incremental: {years} years of Monzo history and {', '.join(CARDS)}")
        result = bench_first_and_incremental(rounds, years, 20, warm_sandbox=not args.cold_sandbox)
        first, again = result["first"], result["incremental"]
        summary.append(
            f"first sync: calls {_median(first, 'calls'):.0f} vs minimum "
            f"{_median(first, 'minimum'):.0f}; wall {_median(first, 'wall_s'):.3f} s vs "
            f"{_median(first, 'bound_s'):.3f} s -> ratio {_median(first, 'ratio'):.2f}x "
            f"(target <= 1.5x); mirror written at {_median(first, 'mirrored_s'):.3f} s -> "
            f"{_median(first, 'mirrored_ratio'):.2f}x; bare client on the same chain "
            f"{_median(first, 'bare_s'):.3f} s -> {_median(first, 'bare_ratio'):.2f}x of that; "
            f"bare clients making every call side by side {_median(first, 'household_s'):.3f} s"
        )
        summary.append(
            f"incremental: calls {_median(again, 'calls'):.0f} (at most "
            f"{_median(again, 'most'):.0f}); wall {_median(again, 'wall_s'):.3f} s, "
            f"cpu {_median(again, 'cpu_s'):.3f} s"
        )
    if "ingest" in wanted:
        n = 5_000 if quick else 100_000
        log(f"ingestion of {n:,} transactions")
        ingest = bench_ingest(rounds, n, args.database or ("sqlite", "postgresql"))
        for key, value in ingest.items():
            summary.append(
                f"ingest {key}: {statistics.median(value['insert']):,.0f} rows/s insert, "
                f"{statistics.median(value['update']):,.0f} rows/s re-upsert (target >= 20,000)"
            )
    if "many" in wanted:
        users = args.users or (10 if quick else 1000)
        workers = args.workers or sync_engine_workers()
        log(f"{users} users in one scheduled cycle")
        many = bench_many(users, args.latency, workers, CARDS, args.processes)
        summary.append(
            f"{users} users: wall {many['wall_s']:.1f} s (target < 60 s), "
            f"peak RSS {many['peak_rss_mb']:.0f} MB"
        )
    log("summary (medians):")
    for line in summary:
        log(f"  {line}")
    return 0


def sync_engine_workers() -> int:
    from potwise.jobs import scheduler

    return int(scheduler.SYNC_WORKERS)


if __name__ == "__main__":
    raise SystemExit(main())
