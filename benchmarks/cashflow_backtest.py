"""Forecast accuracy: backtest the balance forecast on sandbox households.

Run: uv run --frozen python benchmarks/cashflow_backtest.py [--seeds N] [--step DAYS]

For each household (the sandbox generator's, seeds 1..N, three years of history
ending on ``END``) the product's own pipeline is replayed as it would have run
on each forecast origin ``D`` (every ``--step`` days over a full year, the last
origin 90 days before the end so every horizon has an actual to compare with):

1. the household's transactions go through the product's bank mappings (Monzo
   and TrueLayer JSON exactly as the sandbox serves it) and its classifier,
   once, over the whole history (pairing a transfer with its other half needs
   both halves; a classification never depends on what comes months later);
2. on origin ``D``, only what the product would have seen by the end of ``D``
   is used: settled transactions that had settled by then (``settled_at``),
   the current accounts' balances at the end of ``D``, each card's balance and
   the credit-card pot's balance then;
3. detection, the everyday spending estimate, commitment events, card
   repayments and the forecast are the product's own domain functions, put
   together as ``services/cashflow/outlook.py`` does for a user who has
   confirmed nothing and dismissed nothing (every detected, running commitment
   counts), with no planned items;
4. the forecast of the total current-account balance (what the forecast page
   draws) on ``D + h`` is compared with the real end-of-day balance on
   ``D + h``, for ``h`` in 7, 30 and 90 days.

The household's cards are set up as its owner would set them up in the
product: American Express paid in full by direct debit from Monzo, with a
credit-card pot rule on the "Credit card" pot (the household keeps that pot
equal to what it owes on the Amex, as the rule does); Barclaycard paid a
fixed £200 a month from NatWest. ``--cards default`` runs with no card set
up instead (every card paid in full from the first current account, no pot
rule), to show what that costs.

Baselines, on the same origins: *flat* (the balance stays what it is on
``D``) and *last year* (the balance moves from ``D`` as it moved over the same
days a year earlier). The band is the forecast's low-high range on ``D + h``;
coverage is how often the real balance lands inside it.

Errors are in pounds: the mean absolute error over every origin of every
household ("all"), and the median of the households' own MAEs ("median
household").
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from potwise.banks.monzo import mapping as monzo_mapping
from potwise.banks.monzo import schemas as monzo_schemas
from potwise.banks.truelayer import mapping as tl_mapping
from potwise.banks.truelayer import schemas as tl_schemas
from potwise.domain import classify
from potwise.domain.cardmodels import CardModel, CardState, RepaymentMode, repayment_events
from potwise.domain.cashevents import CashEvent
from potwise.domain.cashflow import (
    AccountBalance,
    CardCover,
    card_cover_events,
    commitment_events,
    everyday_spend,
    forecast,
)
from potwise.domain.merchants import merchant_key_for
from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.recurring import TxnFact, detect_commitments
from potwise.sandbox import monzo_shapes, truelayer_shapes
from potwise.sandbox.generator import generate_household

LONDON = ZoneInfo("Europe/London")
#: The end of every household's history (a fixed day: the figures must not move by date).
END = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
YEARS = 3
HORIZONS = (7, 30, 90)
MONZO_KINDS = {"uk_retail": "current", "uk_retail_joint": "joint"}
SPENDING_KINDS = ("current", "joint")


@dataclass
class Account:
    id: str
    kind: str  # current, joint, credit_card
    name: str
    bank: str
    overdraft: int = 0
    #: End-of-day balance by local date, from the first day of history.
    balances: list[int] = field(default_factory=list)


@dataclass
class Household:
    """One household's history as the product would have mirrored and classified it."""

    name: str
    first_day: date
    last_day: date
    accounts: list[Account]
    #: Settled facts with the local date each was known by (settled), oldest first.
    facts: list[tuple[date, TxnFact]]
    #: The credit-card pot's id, and its end-of-day balance by local date (from its moves).
    card_pot_id: str
    card_pot: list[int]

    def balance(self, account: Account, on: date) -> int:
        return account.balances[(on - self.first_day).days]

    def cash(self, on: date) -> int:
        return sum(self.balance(a, on) for a in self.accounts if a.kind in SPENDING_KINDS)

    def known(self, on: date) -> list[TxnFact]:
        return [fact for seen, fact in self.facts if seen <= on]


def _local(at: datetime) -> date:
    return at.astimezone(LONDON).date()


def _rows(name: str, seed: int) -> tuple[list[Account], list[BankTransaction], dict[str, str]]:
    h = generate_household(name, seed, YEARS, END)
    accounts: list[Account] = []
    rows: list[BankTransaction] = []
    for account in h.monzo_accounts.values():
        kind = MONZO_KINDS.get(account.type)
        if account.is_pot_ledger or kind is None:
            continue
        label = "Joint" if kind == "joint" else "Monzo"
        accounts.append(Account(account.id, kind, label, "monzo"))
        rows.extend(
            monzo_mapping.transaction(
                monzo_schemas.Transaction.model_validate(
                    monzo_shapes.tx_json(tx, expand_merchant=True)
                )
            )
            for tx in account.txs
        )
    for tl in h.tl_accounts.values():
        card = tl.kind == "card"
        kind = "credit_card" if card else "current"
        accounts.append(
            Account(
                tl.account_id, kind, tl.display_name, tl.provider_id, 0 if card else tl.overdraft
            )
        )
        mapper = tl_mapping.map_card_transaction if card else tl_mapping.map_account_transaction
        for tx, status in [(t, TransactionStatus.SETTLED) for t in tl.settled] + [
            (t, TransactionStatus.PENDING) for t in tl.pending
        ]:
            raw = tl_schemas.Transaction.model_validate(truelayer_shapes.tx_json(tx))
            rows.append(mapper(tl.account_id, raw, status=status))
    pots = {p.id: p.name for p in h.pots.values()}
    return accounts, rows, pots


def build_household(seed: int) -> Household:
    """Generate, map and classify one household; keep what each origin needs."""
    name = f"backtest{seed}"
    accounts, rows, pots = _rows(name, seed)
    rows = [r for r in rows if r.status is not TransactionStatus.DECLINED]
    context = classify.Context(
        accounts={a.id: classify.AccountInfo(a.id, a.kind, a.name, a.bank) for a in accounts},
        pot_names=pots,
    )
    txns = [
        classify.Txn(
            id=r.external_id,
            account_id=r.account_external_id,
            created_at=r.created_at,
            amount=r.amount,
            currency=r.currency,
            status=r.status.value,
            description=r.description,
            merchant=r.merchant,
            counterparty=r.counterparty,
            provider_category=r.provider_category,
            pot_external_id=r.pot_external_id,
        )
        for r in rows
    ]
    outcomes = classify.classify(txns, context)
    first_day = min(_local(r.created_at) for r in rows)
    last_day = _local(END)
    span = (last_day - first_day).days + 1
    deltas: dict[str, list[int]] = {a.id: [0] * span for a in accounts}
    card_pot_id = next(pid for pid, pname in pots.items() if pname == "Credit card")
    pot_deltas = [0] * span
    facts: list[tuple[date, TxnFact]] = []
    for r in rows:
        on = _local(r.created_at)
        deltas[r.account_external_id][(on - first_day).days] += r.amount
        if r.pot_external_id == card_pot_id:
            pot_deltas[(on - first_day).days] -= r.amount
        if r.status is not TransactionStatus.SETTLED:
            continue
        outcome = outcomes[r.external_id]
        payee = outcome.merchant_key or merchant_key_for(r.merchant, r.counterparty, r.description)
        fact = TxnFact(
            id=r.external_id,
            on=on,
            amount=r.amount,
            payee=payee or "",
            account_id=r.account_external_id,
            description=r.description,
            classification=outcome.classification,
            currency=r.currency,
        )
        facts.append((max(on, _local(r.settled_at or r.created_at)), fact))
    for a in accounts:
        running, series = 0, []
        for delta in deltas[a.id]:
            running += delta
            series.append(running)
        a.balances = series
    running, pot_series = 0, []
    for delta in pot_deltas:
        running += delta
        pot_series.append(running)
    facts.sort(key=lambda pair: (pair[1].on, pair[1].id))
    return Household(name, first_day, last_day, accounts, facts, card_pot_id, pot_series)


# ------------------------------------------------------------------- one origin


@dataclass(frozen=True)
class Outcome:
    """What the forecast said and what happened, on one origin at one horizon (pence)."""

    household: str
    origin: date
    horizon: int
    forecast: int
    low: int
    high: int
    actual: int
    flat: int
    last_year: int | None


def _card_models(h: Household, cards: str) -> tuple[list[CardModel], set[str]]:
    """The cards' repayment models, and the cards whose repayments a card pot covers."""
    spending = [a for a in h.accounts if a.kind in SPENDING_KINDS]
    models: list[CardModel] = []
    covered: set[str] = set()
    for card in (a for a in h.accounts if a.kind == "credit_card"):
        if cards == "default":
            models.append(CardModel(card.id, card.name, pay_from_account_id=spending[0].id))
        elif card.bank == "ob-amex":
            monzo = next(a for a in spending if a.bank == "monzo" and a.kind == "current")
            models.append(CardModel(card.id, card.name, RepaymentMode.PAY_IN_FULL, monzo.id))
            covered.add(card.id)
        else:
            natwest = next(a for a in spending if a.bank == "ob-natwest")
            models.append(
                CardModel(card.id, card.name, RepaymentMode.FIXED, natwest.id, fixed_amount=20_000)
            )
    return models, covered


def forecast_on(h: Household, origin: date, days: int, cards: str = "household") -> list[int]:
    """The forecast total current-account balance for ``origin`` .. ``origin + days``, and
    its band, as the product would have drawn it at the end of ``origin``."""
    return [d[0] for d in forecast_with_band(h, origin, days, cards)]


def forecast_with_band(
    h: Household, origin: date, days: int, cards: str = "household"
) -> list[tuple[int, int, int]]:
    """(balance, low, high) per day from ``origin`` (day 0) to ``origin + days``."""
    facts = h.known(origin)
    detected = detect_commitments(facts, origin)
    counted = [c for c in detected if c.active]
    evidence = {tid for c in detected for tid in c.evidence}
    models, covered = _card_models(h, cards)
    paid_down = {m.card_id for m in models if m.mode is not RepaymentMode.PAY_IN_FULL}
    everyday = everyday_spend(facts, origin, exclude_ids=evidence, exclude_accounts=paid_down)
    spending = [a for a in h.accounts if a.kind in SPENDING_KINDS]
    spending.sort(key=lambda a: (a.kind != "current", a.name, a.id))
    balances = [AccountBalance(a.id, a.name, h.balance(a, origin), a.overdraft) for a in spending]
    until = origin + timedelta(days=days)
    events: list[CashEvent] = commitment_events(counted, origin, until)
    repaid: dict[str, list[date]] = defaultdict(list)
    for f in facts:
        if f.amount > 0 and f.classification == "card_repayment":
            repaid[f.account_id].append(f.on)
    by_id = {a.id: a for a in h.accounts}
    for model in models:
        owed = max(-h.balance(by_id[model.card_id], origin), 0)
        state = CardState(model.card_id, owed, repayment_dates=tuple(sorted(repaid[model.card_id])))
        events.extend(repayment_events(model, state, origin, until))
    if covered:
        pot = h.card_pot[(origin - h.first_day).days]
        monzo = next(a for a in spending if a.bank == "monzo" and a.kind == "current")
        cover = CardCover(h.card_pot_id, "Credit card", pot, frozenset(covered), monzo.id)
        events.extend(card_cover_events(events, [cover]))
    result = forecast(
        today=origin,
        days=days,
        accounts=balances,
        events=events,
        everyday=everyday,
        spending_account_id=balances[0].id,
    )
    return [(d.balance, d.low, d.high) for d in result.days]


def origins(h: Household, step: int, count: int | None = None) -> list[date]:
    """Forecast origins: every ``step`` days over a year, the last 90 days before the end."""
    last = h.last_day - timedelta(days=max(HORIZONS))
    out = [last - timedelta(days=k) for k in range(0, 365, step)]
    out.sort()
    return out if count is None else out[-count:]


def backtest(h: Household, dates: Iterable[date], cards: str = "household") -> list[Outcome]:
    """Forecast from each origin and compare at each horizon."""
    out: list[Outcome] = []
    for origin in dates:
        series = forecast_with_band(h, origin, max(HORIZONS), cards)
        now = h.cash(origin)
        for horizon in HORIZONS:
            balance, low, high = series[horizon]
            target = origin + timedelta(days=horizon)
            year_ago = origin - timedelta(days=365)
            last_year = None
            if year_ago >= h.first_day:
                last_year = now + h.cash(year_ago + timedelta(days=horizon)) - h.cash(year_ago)
            out.append(
                Outcome(h.name, origin, horizon, balance, low, high, h.cash(target), now, last_year)
            )
    return out


# ------------------------------------------------------------------------ report


@dataclass(frozen=True)
class Score:
    """Mean absolute errors in pence and the share of actuals inside the band."""

    horizon: int
    forecast: float
    flat: float
    last_year: float
    coverage: float
    bias: float
    count: int


def score(outcomes: Sequence[Outcome], horizon: int) -> Score:
    rows = [o for o in outcomes if o.horizon == horizon]
    with_year = [o for o in rows if o.last_year is not None]
    return Score(
        horizon,
        statistics.fmean(abs(o.forecast - o.actual) for o in rows),
        statistics.fmean(abs(o.flat - o.actual) for o in rows),
        statistics.fmean(abs((o.last_year or 0) - o.actual) for o in with_year)
        if with_year
        else float("nan"),
        sum(o.low <= o.actual <= o.high for o in rows) / len(rows),
        statistics.fmean(o.forecast - o.actual for o in rows),
        len(rows),
    )


def _pounds(pence: float) -> str:
    return f"£{pence / 100:,.0f}"


def report(outcomes: Sequence[Outcome]) -> None:
    households = sorted({o.household for o in outcomes})
    per_household = {name: [o for o in outcomes if o.household == name] for name in households}
    print(
        f"{'horizon':>7} | {'forecast MAE':>12} | {'median hh':>9} | {'flat MAE':>8} | "
        f"{'last-year MAE':>13} | {'in band':>7} | {'bias':>7} | n"
    )
    for horizon in HORIZONS:
        s = score(outcomes, horizon)
        median = statistics.median(score(rows, horizon).forecast for rows in per_household.values())
        print(
            f"{horizon:>5} d | {_pounds(s.forecast):>12} | {_pounds(median):>9} | "
            f"{_pounds(s.flat):>8} | {_pounds(s.last_year):>13} | {s.coverage:>7.0%} | "
            f"{_pounds(s.bias):>7} | {s.count}"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6, help="households (seeds 1..N)")
    parser.add_argument("--step", type=int, default=5, help="days between forecast origins")
    parser.add_argument("--cards", choices=("household", "default"), default="household")
    parser.add_argument("--per-household", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    outcomes: list[Outcome] = []
    for seed in range(1, args.seeds + 1):
        h = build_household(seed)
        found = backtest(h, origins(h, args.step), args.cards)
        outcomes.extend(found)
        if args.per_household:
            print(f"-- {h.name} ({len(h.facts):,} settled transactions)")
            report(found)
    took = time.perf_counter() - started
    count = len({(o.household, o.origin) for o in outcomes})
    print(
        f"{args.seeds} households x {count // args.seeds} origins (every {args.step} days), "
        f"cards: {args.cards}, {took:.1f} s"
    )
    report(outcomes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
