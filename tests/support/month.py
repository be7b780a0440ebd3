"""A month of household life with the product running beside it.

The sandbox plays ordinary life (`POST /_sandbox/life`) one simulated day at a time
while the product follows its clock (`POTWISE_CLOCK_URL`), receives its Monzo
webhooks over loopback HTTP and runs its own scheduler. After each day, with the
clock held at midnight, :meth:`Month.check_day` looks at what happened from both
sides: the sandbox's ledger of pot moves and its count of bank requests, and the
product's rule runs and mirror. Used by the month-long test and its benchmark.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Account, AutomationRun, Transaction
from potwise.jobs.scheduler import build_scheduler
from potwise.sandbox.app import create_sandbox_app
from potwise.services import cards as card_figures
from potwise.web.app import create_app
from tests.integration.conftest import GOOD_PASSWORD
from tests.support.accounts import verify_address
from tests.support.harness import FAST_RETRY, Sandbox, connect, product_settings
from tests.support.loopback import loopback_socket, serve, url_of

CARDS = ("ob-amex", "uk-ob-barclaycard", "ob-capital-one")
HOUSEHOLD = "life"
START = datetime(2026, 6, 1, tzinfo=UTC)
#: A Monzo card repayment must be reflected in the pot this soon after its webhook.
REFLECTED_WITHIN = timedelta(minutes=1)


@dataclass
class Day:
    """What one simulated day showed."""

    day: str
    moves: int = 0
    runs: int = 0
    pot: int = 0
    owed: int = 0
    short: int = 0
    cooling: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class Month:
    sandbox: Sandbox
    browser: httpx2.Client
    app: Any
    engine: Engine
    rule_id: str
    pot: dict[str, Any]
    cards: list[dict[str, Any]]
    speed: float
    tick_ms: int = 25
    settle_ms: int = 60
    days: list[Day] = field(default_factory=list)
    seen_runs: set[str] = field(default_factory=set)
    monzo_calls: list[int] = field(default_factory=list)

    # --- playing ---------------------------------------------------------------------

    def play_day(self) -> Day:
        """Play one simulated day, let the product finish reacting, then check it."""
        body = {
            "user": HOUSEHOLD,
            "days": 1,
            "speed": self.speed,
            "tick_ms": self.tick_ms,
            "settle_ms": self.settle_ms,
        }
        started = self.sandbox.http.post("/_sandbox/life", json=body)
        assert started.status_code == 202, started.text
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            view = self.sandbox.http.get("/_sandbox/life").json()
            if not view["playing"]:
                break
            time.sleep(0.05)
        assert view["state"] == "finished", view
        self.quiet()
        day = self.check_day()
        self.days.append(day)
        return day

    def quiet(self, settle: float = 0.5, timeout: float = 60) -> None:
        """Until the product's background work is done and the banks have been quiet."""
        world = self.sandbox_world
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pool = self.app.state.background
            pending = pool._work_queue.qsize()  # the test waits for its own pool
            if pending == 0 and world.requests.quiet_for() >= settle:
                return
            time.sleep(0.05)

    @property
    def sandbox_world(self) -> Any:
        return self.sandbox_app.state.world

    sandbox_app: Any = None

    # --- what a day shows --------------------------------------------------------------

    def check_day(self) -> Day:
        now = self.sandbox.now()
        day = Day(day=(now - timedelta(seconds=1)).date().isoformat())
        self._check_ledger(day)
        self._check_allowance(day)
        with Session(self.engine) as db:
            self._check_runs(db, day)
            self._check_cover(db, day)
            self._check_repayments(db, day, now)
        totals = Counter[str]()
        for row in self.sandbox.http.get("/_sandbox/requests").json()["requests"]:
            totals[row["bank"]] += row["count"]
        self.monzo_calls.append(totals["monzo"])
        return day

    def ledger(self) -> list[dict[str, Any]]:
        moves = self.sandbox.http.get(f"/_sandbox/users/{HOUSEHOLD}/ledger").json()["moves"]
        return [m for m in moves if str(m.get("dedupe_id", "")).startswith("potwise-")]

    def _check_ledger(self, day: Day) -> None:
        ours = self.ledger()
        applied = Counter(m["dedupe_id"] for m in ours if not m["repeat"])
        twice = [dedupe for dedupe, n in applied.items() if n > 1]
        if twice:
            day.problems.append(f"moved twice: {twice}")
        day.moves = sum(1 for m in ours if not m["repeat"] and m["time"][:10] == day.day)

    def _check_allowance(self, day: Day) -> None:
        for entry in self.sandbox.http.get("/_sandbox/requests", params={"by": "day"}).json()[
            "days"
        ]:
            for consent in entry["consents"]:
                if consent["answered_429"]:
                    day.problems.append(f"429 from the bank on {entry['day']}: {consent}")
                if consent["unattended"] > 4:
                    day.problems.append(f"over the allowance on {entry['day']}: {consent}")

    def _check_runs(self, db: Session, day: Day) -> None:
        runs = db.scalars(
            select(AutomationRun).where(AutomationRun.automation_id == self.rule_id)
        ).all()
        fresh = [r for r in runs if r.id not in self.seen_runs]
        self.seen_runs.update(r.id for r in fresh)
        day.runs = len(fresh)
        for run in fresh:
            said = run.explanation or ""
            named = "Cards as last read from the bank" in said
            if run.status in ("moved", "nothing") and not named:
                day.problems.append(f"a run does not say what data it used: {said}")
            fell = "less than potwise left in it" in said or "owes less than it did" in said
            if run.reason == "cooldown_started" and not fell:
                day.problems.append(f"a cooldown started without the pot or a card falling: {said}")

    def _check_cover(self, db: Session, day: Day) -> None:
        """At the day's end the pot holds what the cards owed at their last read."""
        household = self.sandbox.household()
        pots = household["monzo"]["pots"]
        day.pot = next(p["balance"] for p in pots if p["id"] == self.pot["external_id"])
        rows = [db.get(Account, c["id"]) for c in self.cards]
        known = [row for row in rows if row is not None]
        owed = card_figures.owed_now(db, known, self.sandbox.now())
        day.owed = sum(owed.values())
        day.short = max(0, day.owed - day.pot)
        rule = self.browser.get(f"/api/v1/automations/{self.rule_id}").json()
        day.cooling = rule["status"] in ("cooldown", "waiting_funds")
        if day.pot != day.owed and not day.cooling:
            day.problems.append(
                f"the pot holds {day.pot} but the cards owed {day.owed} at their last read "
                f"(rule: {rule['status']}, {rule.get('status_reason')})"
            )

    def _check_repayments(self, db: Session, day: Day, now: datetime) -> None:
        """Every card repayment from Monzo reached the rule within a minute."""
        truth = self.sandbox.http.get(f"/_sandbox/users/{HOUSEHOLD}/truth").json()
        ids = set(truth["card_repayments"])
        paid = db.scalars(
            select(Transaction).where(
                Transaction.external_id.in_(ids),
                Transaction.amount < 0,
                Transaction.created_at >= now - timedelta(days=1),
            )
        ).all()
        runs = db.scalars(
            select(AutomationRun).where(
                AutomationRun.automation_id == self.rule_id,
                # Its webhook wakes the rule; a sync that read it first does too.
                AutomationRun.trigger.in_(("webhook", "sync")),
                AutomationRun.status.in_(("moved", "nothing")),
            )
        ).all()
        for tx in paid:
            soon = [
                r for r in runs if tx.created_at <= r.started_at <= tx.created_at + REFLECTED_WITHIN
            ]
            if not soon:
                near = [
                    (r.trigger, r.status, r.reason, r.started_at.isoformat())
                    for r in db.scalars(
                        select(AutomationRun).where(
                            AutomationRun.automation_id == self.rule_id,
                            AutomationRun.started_at >= tx.created_at - timedelta(minutes=10),
                            AutomationRun.started_at <= tx.created_at + timedelta(hours=1),
                        )
                    )
                ]
                day.problems.append(
                    f"a card repayment at {tx.created_at} ({tx.description}) reached no rule "
                    f"in time: {near}"
                )


def figures(life: Month) -> dict[str, Any]:
    """The month in figures: bank calls, rule runs, moves and how long the pot was short."""
    per_day = life.sandbox.http.get("/_sandbox/requests", params={"by": "day"}).json()["days"]
    played = {d.day for d in life.days}
    attended = unattended = 0
    for entry in per_day:
        if entry["day"] in played:
            for consent in entry["consents"]:
                attended += consent["attended"]
                unattended += consent["unattended"]
    days = max(1, len(life.days))
    calls = life.monzo_calls
    monzo = (calls[-1] - calls[0]) / max(1, len(calls) - 1) if len(calls) > 1 else 0
    with Session(life.engine) as db:
        runs = db.scalars(
            select(AutomationRun)
            .where(AutomationRun.automation_id == life.rule_id)
            .order_by(AutomationRun.started_at)
        ).all()
    return {
        "days": len(life.days),
        "truelayer_calls_per_card_per_day": {
            "unattended": round(unattended / days / len(CARDS), 2),
            "attended": round(attended / days / len(CARDS), 2),
        },
        "monzo_calls_per_day": round(monzo, 1),
        "rule_runs": sum(d.runs for d in life.days),
        "moves": sum(d.moves for d in life.days),
        "minutes_short": round(_minutes_short(runs), 1),
        "problems": sum(len(d.problems) for d in life.days),
    }


def _minutes_short(runs: Sequence[AutomationRun]) -> float:
    """Minutes between runs that left the pot below what the cards owed as last read
    (after the run's own move), summed."""
    short = 0.0
    for run, following in itertools.pairwise(runs):
        decision = run.decision or {}
        if "target" not in decision or run.status not in ("moved", "nothing"):
            continue
        moved = decision.get("amount", 0) if run.status == "moved" else 0
        sign = 1 if decision.get("action") == "deposit" else -1
        after = decision["pot_balance"] + sign * moved
        if after < decision["target"]:
            short += (following.started_at - run.started_at).total_seconds() / 60
    return short


@contextmanager
def month(
    tmp_path: Path,
    database_url: str,
    engine: Engine,
    *,
    speed: float = 172_800,
    log_level: str = "INFO",
    **sandbox: Any,
) -> Iterator[Month]:
    """The sandbox and the product, connected, with one card-pot rule over three cards."""
    with ExitStack() as stack:
        # Played at two days a second, an hour of a token's life is 20 ms of real time,
        # which a loaded machine can lose between a refresh and the call it was for;
        # tokens living a day still expire and are renewed every day of the month.
        lives = {"truelayer_token_ttl": 86_400, "monzo_token_ttl": 86_400} | sandbox
        sandbox_app = create_sandbox_app(seed=7, years=1, now=START, frozen_clock=True, **lives)
        sandbox_url = stack.enter_context(serve(sandbox_app))
        http = stack.enter_context(httpx2.Client(base_url=sandbox_url, timeout=60))
        made = http.post("/_sandbox/users", json={"name": HOUSEHOLD, "cards": list(CARDS)})
        assert made.status_code in (200, 201), made.text
        bank = Sandbox(url=sandbox_url, http=http, user=HOUSEHOLD)
        sock = loopback_socket()
        settings = product_settings(
            tmp_path,
            database_url,
            sandbox_url,
            public_url=url_of(sock),
            clock_url=bank.clock_url,
            log_level=log_level,
        )
        app = create_app(settings, engine=engine)
        app.state.connections.gateway.retry = FAST_RETRY
        url = stack.enter_context(serve(app, sock))
        browser = stack.enter_context(httpx2.Client(base_url=url, timeout=60))
        found = _connect_all(browser, bank, app.state.session_factory)
        scheduler = build_scheduler(app.state.connections, blocking=False, tick=0.01)
        scheduler.start()
        stack.callback(scheduler.shutdown)
        found.app, found.engine, found.speed = app, engine, speed
        found.sandbox_app = sandbox_app
        found.quiet()
        found.check_day()  # what the first syncs left: checked before the month starts
        # The month's figures count from here, not the first syncs (made with the user
        # present when they connected).
        http.delete("/_sandbox/requests").raise_for_status()
        found.monzo_calls = [0]
        yield found


def _connect_all(browser: httpx2.Client, bank: Sandbox, sessions: sessionmaker[Session]) -> Month:
    account = {"email": "month@example.com", "password": GOOD_PASSWORD}
    browser.post("/api/v1/auth/register", json=account)
    assert browser.post("/api/v1/auth/login", json=account).status_code == 200
    verify_address(sessions, account["email"])
    assert connect(browser, bank, "monzo").status_code == 303
    bank.approve_monzo()
    [monzo] = browser.get("/api/v1/connections").json()["items"]
    assert browser.post(f"/api/v1/connections/{monzo['id']}/approval").json()["approved"]
    for provider in CARDS:
        assert connect(browser, bank, "truelayer", sandbox_provider=provider).status_code == 303
    deadline = time.monotonic() + 120
    cards: list[dict[str, Any]] = []
    while time.monotonic() < deadline and len(cards) < len(CARDS):
        cards = [
            a
            for a in browser.get("/api/v1/accounts").json()["items"]
            if a["kind"] == "credit_card" and a["balance"] is not None
        ]
        time.sleep(0.2)
    assert len(cards) == len(CARDS), cards
    pot = next(p for p in browser.get("/api/v1/pots").json()["items"] if p["name"] == "Credit card")
    # A bonus lands first, so the current account can pay for the pot to catch up with
    # what three cards owe (the rule never drains it); limits wide enough for a day.
    current = next(
        a["id"]
        for a in bank.household()["monzo"]["accounts"]
        if a["type"] == "uk_retail" and not a["closed"]
    )
    bank.add_transaction(
        bank="monzo", account=current, amount=900_000, kind="income", description="Bonus"
    )
    created = browser.post(
        "/api/v1/automations",
        json={
            "kind": "card_pot",
            "name": "Card pot",
            "config": {
                "pot_id": pot["id"],
                "card_account_ids": [c["id"] for c in cards],
                "max_transfer": 1_000_000,
                "max_per_day": 2_000_000,
            },
        },
    )
    assert created.status_code == 201, created.text
    # A month outlives a browser session: the test reads the API with a personal token.
    token = browser.post("/api/v1/auth/tokens", json={"name": "month"}).json()["token"]
    browser.cookies.clear()
    browser.headers["Authorization"] = f"Bearer {token}"
    return Month(bank, browser, None, None, created.json()["id"], pot, cards, 0)  # type: ignore[arg-type]
