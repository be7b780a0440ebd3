"""A scheduled card-pot cycle for many users (target: 1,000 users in < 60 s, no duplicates).

Run: uv run --frozen python benchmarks/cardpot_cycle_bench.py [--users N] [--workers N]

The bank sandbox runs as `potwise sandbox` in a child process on 127.0.0.1 (its
CPU is not the product's). Setup, not timed: N households with one year of
history, each connected with Monzo and American Express (tokens from the
control API, stored as connections as the OAuth callbacks would), one sync of
everything with the user present, and one card-pot rule per user (its Monzo
current account's first pot, its Amex card). Then 50 ms latency on every bank
call and, timed, the scheduled cycle: every rule refreshes its live balances
(pot, current account, card balance and pending items), decides, and moves
money through the one executor. A second cycle right after shows the steady
state (nothing changed, so nothing should move).

Checked after each cycle, from the sandbox's own ledger: each rule made at most
one move, no move was applied twice, and every transfer the product recorded
as confirmed is in the ledger. Peak memory of the product process is reported.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).parent))

from potwise.db.models import Account, Automation, Pot, Transfer
from potwise.jobs.fanout import Fanout
from potwise.logs import configure_logging
from potwise.services.automations import rules, runner
from potwise.services.connections import ConnectionsContext
from potwise.services.sync import engine as sync_engine
from sync_bench import add_household, log, process_cpu, product, sandbox

CARD = "ob-amex"
LATENCY_MS = 50


def make_rules(ctx: ConnectionsContext, households: list[dict[str, Any]]) -> dict[str, str]:
    """One card-pot rule per user; returns rule id -> sandbox user name."""
    made: dict[str, str] = {}
    with ctx.session_factory() as db:
        for household in households:
            connection_ids = household["connections"]
            monzo_id = connection_ids["monzo"]
            pot = db.scalars(
                select(Pot)
                .where(Pot.connection_id == monzo_id, Pot.deleted.is_(False))
                .order_by(Pot.name)
            ).first()
            card = db.scalars(
                select(Account).where(
                    Account.connection_id == connection_ids[CARD], Account.kind == "credit_card"
                )
            ).first()
            if pot is None or card is None:
                raise RuntimeError(f"household {household['name']} has no pot or no card")
            rule = rules.create(
                db,
                pot.user_id,
                rules.RuleInput(
                    kind="card_pot",
                    name="Amex pot",
                    enabled=True,
                    config={"pot_id": pot.id, "card_account_ids": [card.id]},
                ),
            )
            made[rule.id] = household["name"]
    return made


def ledger_check(
    sb: Any, ctx: ConnectionsContext, rule_users: dict[str, str], since: datetime
) -> dict[str, int]:
    """Compare the sandbox's ledger with the product's transfers; counts of problems."""
    with ctx.session_factory() as db:
        ours = set(db.scalars(select(Transfer.dedupe_id)))
    applied = duplicates = 0
    ledger_ids: set[str] = set()
    for user in sorted(set(rule_users.values())):
        moves = sb.get(f"/_sandbox/users/{user}/ledger")["moves"]
        seen: dict[str, int] = {}
        for move in moves:
            if move["dedupe_id"] in ours and not move["repeat"]:
                seen[move["dedupe_id"]] = seen.get(move["dedupe_id"], 0) + 1
                ledger_ids.add(move["dedupe_id"])
        duplicates += sum(1 for n in seen.values() if n > 1)
        applied += sum(seen.values())
    with ctx.session_factory() as db:
        confirmed = list(
            db.scalars(select(Transfer.dedupe_id).where(Transfer.status == "confirmed"))
        )
        per_rule: dict[str, int] = {}
        this_cycle = select(Transfer.automation_id).where(Transfer.created_at >= since)
        for automation_id in db.scalars(this_cycle):
            per_rule[automation_id] = per_rule.get(automation_id, 0) + 1
    over_one = sum(1 for n in per_rule.values() if n > 1)
    missing = sum(1 for d in confirmed if d not in ledger_ids)
    return {
        "applied_moves": applied,
        "duplicate_dedupe_ids": duplicates,
        "confirmed_transfers": len(confirmed),
        "confirmed_not_in_ledger": missing,
        "transfers_this_cycle": sum(per_rule.values()),
        "rules_with_two_transfers_in_one_cycle": over_one,
    }


def cycle(
    ctx: ConnectionsContext,
    rule_ids: Sequence[str],
    workers: int,
    fanout: Fanout | None,
    sandbox_pid: int,
) -> tuple[float, float, dict[str, int]]:
    """One scheduled cycle over every rule: in this process, or spread over `fanout`'s
    processes (CPU then counts this process and its children)."""
    started, cpu = time.perf_counter(), process_cpu((sandbox_pid,))
    if fanout is not None:
        statuses = fanout.run_rules(rule_ids, trigger="schedule", threads=workers)
    else:
        outcomes = runner.run_many(ctx, rule_ids, trigger="schedule", max_workers=workers)
        statuses = {}
        for outcome in outcomes:
            key = f"{outcome.run.status}:{outcome.run.reason}"
            statuses[key] = statuses.get(key, 0) + 1
    return time.perf_counter() - started, process_cpu((sandbox_pid,)) - cpu, statuses


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=16, help="rules side by side per process")
    parser.add_argument("--processes", type=int, default=1, help="processes the cycle spreads over")
    args = parser.parse_args(argv)
    configure_logging(production=True, level="WARNING")
    with sandbox(1) as sb:
        started = time.perf_counter()
        made = sb.post("/_sandbox/users", {"count": args.users, "years": 1}, timeout=300)["users"]
        for entry in made:
            sb.get(f"/_sandbox/users/{entry['name']}")
        log(f"setup: {args.users} households in {time.perf_counter() - started:.1f} s")
        app = product(sb.url)
        try:
            households = [
                {
                    "name": entry["name"],
                    "connections": add_household(app.ctx, entry, cards=(CARD,), full_history=False),
                }
                for entry in made
            ]
            ids = [c for h in households for c in h["connections"].values()]
            started = time.perf_counter()
            runs = sync_engine.sync_many(
                app.ctx, ids, trigger="manual", psu_ip="127.0.0.1", max_workers=8
            )
            failed = [r for r in runs if r.status != "succeeded"]
            if failed:
                raise RuntimeError(f"setup sync failed: {[r.errors for r in failed[:3]]}")
            rule_users = make_rules(app.ctx, households)
            log(
                f"setup: {len(ids)} connections synced and {len(rule_users)} rules made "
                f"in {time.perf_counter() - started:.1f} s"
            )
            sb.latency(LATENCY_MS)
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rule_ids = list(rule_users)
            quiet = app.ctx.settings.model_copy(update={"log_level": "WARNING"})
            fanout = Fanout(quiet, args.processes) if args.processes > 1 else None
            if fanout is not None:
                fanout.start()  # a worker's pool lives across cycles
            for label in ("first cycle", "next cycle"):
                began = datetime.now(UTC)
                wall, cpu, statuses = cycle(app.ctx, rule_ids, args.workers, fanout, sb.process.pid)
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                checks = ledger_check(sb, app.ctx, rule_users, began)
                log(
                    f"{label}: {len(rule_ids)} rules, {LATENCY_MS} ms latency, "
                    f"{args.processes} process(es) x {args.workers} threads: wall {wall:.1f} s, "
                    f"cpu {cpu:.1f} s, outcomes {statuses}, "
                    f"peak RSS {peak:.0f} MB (before the cycles {rss_before:.0f} MB); "
                    f"ledger {checks}"
                )
            if fanout is not None:
                fanout.close()
                child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                log(f"peak RSS of the largest worker process: {child:.0f} MB")
            with app.ctx.session_factory() as db:
                paused = db.scalars(
                    select(Automation.status_reason).where(Automation.status == "paused")
                ).all()
            if paused:
                log(f"paused rules: {len(paused)} (first: {paused[0]})")
        finally:
            app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
