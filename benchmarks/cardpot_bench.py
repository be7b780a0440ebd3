"""Card-pot decisions per second (target: >= 100,000/s).

Run: uv run --frozen python benchmarks/cardpot_bench.py [--n N]

Decides a fixed mix of realistic cases in a loop: one Amex card with 3 pending
and 30 recent posted transactions and a prior state (in sync, new pending
spending, a posted refund, a cooldown waiting, a cooldown expiring). Every
decision computes its action, amount, reason and new state. The plain-English
explanation is written when first read (``CardPotDecision.explanation``), so it
is timed twice: not read (what the target is measured on) and read after every
decision. Prints decisions/s for 5 runs of each and their medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from potwise.domain.mirror import BankTransaction, TransactionStatus
from potwise.domain.rules.cardpot import (
    CardPotConfig,
    CardPotState,
    CardSnapshot,
    CurrentAccountSnapshot,
    PotSnapshot,
    decide_card_pot,
)

NOW = datetime(2025, 3, 3, 14, 2, tzinfo=UTC)
CONFIG = CardPotConfig(pot_id="pot", card_account_ids=("amex",))
CURRENT = CurrentAccountSnapshot(available=250_000, currency="GBP")


def _tx(i: int, amount: int, status: TransactionStatus) -> BankTransaction:
    return BankTransaction(
        external_id=f"tx-{i}",
        account_external_id="amex",
        created_at=NOW - timedelta(hours=i),
        amount=amount,
        currency="GBP",
        status=status,
        description="SHOP",
    )


POSTED = tuple(_tx(i, -(500 + i * 37), TransactionStatus.SETTLED) for i in range(30))
PENDING = tuple(_tx(100 + i, -(900 + i), TransactionStatus.PENDING) for i in range(3))


def _card(
    owed: int, pending: tuple[BankTransaction, ...], posted: tuple[BankTransaction, ...]
) -> CardSnapshot:
    return CardSnapshot("amex", "ob-amex", "GBP", -owed, pending=pending, posted=posted)


def _cases() -> list[tuple[CardSnapshot, PotSnapshot, CardPotState, datetime]]:
    base = _card(50_000, PENDING, POSTED)
    target = 50_000 + sum(-t.amount for t in PENDING)
    first = decide_card_pot(
        CONFIG,
        cards=[base],
        pot=PotSnapshot("pot", target, "GBP"),
        current=CURRENT,
        moved_today=0,
        state=None,
        now=NOW,
    ).new_state
    assert first is not None
    later = NOW + timedelta(minutes=20)
    spent = _card(50_000, (*PENDING, _tx(200, -1899, TransactionStatus.PENDING)), POSTED)
    refund = _card(47_500, PENDING, (*POSTED, _tx(201, 2500, TransactionStatus.SETTLED)))
    cooling = decide_card_pot(
        CONFIG,
        cards=[base],
        pot=PotSnapshot("pot", 0, "GBP"),
        current=CURRENT,
        moved_today=0,
        state=first,
        now=later,
    ).new_state
    assert cooling is not None and cooling.cooldown is not None
    return [
        (base, PotSnapshot("pot", target, "GBP"), first, later),
        (spent, PotSnapshot("pot", target, "GBP"), first, later),
        (refund, PotSnapshot("pot", target, "GBP"), first, later),
        (base, PotSnapshot("pot", 0, "GBP"), cooling, later + timedelta(hours=1)),
        (base, PotSnapshot("pot", 0, "GBP"), cooling, cooling.cooldown.until),
    ]


def one_run(n: int, *, explain: bool) -> float:
    """Decisions/s over `n` decisions; with `explain`, each explanation is read too."""
    cases = _cases()
    k = len(cases)
    start = time.perf_counter()
    for i in range(n):
        card, pot, state, now = cases[i % k]
        decision = decide_card_pot(
            CONFIG,
            cards=(card,),
            pot=pot,
            current=CURRENT,
            moved_today=0,
            state=state,
            now=now,
        )
        if explain:
            decision.explanation  # noqa: B018 - rendered on first read
    return n / (time.perf_counter() - start)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="decisions per run")
    args = parser.parse_args(argv)
    for explain, label in ((False, "explanation not read"), (True, "explanation read")):
        rates = [one_run(args.n, explain=explain) for _ in range(5)]
        for rate in rates:
            print(f"  {rate:,.0f} decisions/s")
        median = statistics.median(rates)
        print(
            f"card-pot decisions ({label}): median {median:,.0f} decisions/s "
            f"over 5 runs of {args.n:,}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
