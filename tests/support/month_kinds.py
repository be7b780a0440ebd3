"""The other rule kinds beside the card pot through a simulated month: a salary sorter,
a daily sweep and a top-up on one current account, and what the month must show of
them (pay shared out once, never money going back and forth)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, AutomationRun, Pot, Transaction, Transfer
from tests.support.month import HOUSEHOLD, Month

# The sweep keeps this much in the current account and the top-up refills it to the
# same figure (the boundary at which the two may both stand on one account); low
# enough that a day's spending takes the account below the floor now and then.
KEEP = 60_000
FLOOR = 55_000
HOLIDAY_STEP = 20_000


@dataclass(frozen=True)
class MoneyRules:
    sorter: str
    sweep: str
    topup: str
    employer: str
    holiday: str


def add_money_rules(life: Month) -> MoneyRules:
    """Create the sorter (by the household's employer), the sweep and the top-up."""
    truth = life.sandbox.http.get(f"/_sandbox/users/{HOUSEHOLD}/truth").json()
    employer = str(truth["payday"]["payee"])
    pots = {p["name"]: p["id"] for p in life.browser.get("/api/v1/pots").json()["items"]}

    def rule(kind: str, name: str, config: dict[str, Any]) -> str:
        made = life.browser.post(
            "/api/v1/automations", json={"kind": kind, "name": name, "config": config}
        )
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    sorter = rule(
        "autosort",
        "Payday",
        {
            "income": "payer",
            "payer": employer,
            "min_amount": 100_000,
            "steps": [
                {"pot_id": pots["Holiday"], "kind": "fixed", "amount": HOLIDAY_STEP},
                {"pot_id": pots["Bills"], "kind": "percent", "percent": "10"},
            ],
        },
    )
    sweep = rule(
        "sweep",
        "Evening sweep",
        {"pot_id": pots["Holiday"], "threshold": KEEP, "keep_for_bills": False, "time": "21:00"},
    )
    topup = rule("topup", "Top-up", {"pot_id": pots["Holiday"], "floor": FLOOR, "target": KEEP})
    return MoneyRules(sorter, sweep, topup, employer, pots["Holiday"])


def money_rule_problems(life: Month, rules: MoneyRules) -> list[str]:
    """What the month shows wrong of the three rules (nothing, when right)."""
    with Session(life.engine) as db:
        moves = list(
            db.scalars(
                select(Transfer)
                .where(Transfer.automation_id.in_((rules.sorter, rules.sweep, rules.topup)))
                .order_by(Transfer.created_at)
            )
        )
        current = db.scalars(select(Account).where(Account.kind == "current")).all()
        credits = list(
            db.scalars(
                select(Transaction)
                .where(
                    Transaction.account_id.in_([a.id for a in current]),
                    Transaction.amount > 0,
                )
                .order_by(Transaction.created_at)
            )
        )
        holiday = db.get(Pot, rules.holiday)
        assert holiday is not None
        # Money in: pay and other credits, and money back from any pot but the one the
        # top-up draws from (a credit-card pot gives money back when a card is repaid).
        credits = [c for c in credits if c.pot_external_id != holiday.external_id]
        made = db.get(Automation, rules.sorter)
        assert made is not None
        since = made.created_at
    problems = [
        f"{m.direction} of {m.amount} ended {m.status}" for m in moves if m.status != "confirmed"
    ]
    # Pay that landed once the sorter was made (the history before it is not sorted).
    pay = [
        c
        for c in credits
        if c.created_at >= since
        and c.pot_external_id is None
        and rules.employer.casefold() in (c.counterparty or c.description).casefold()
    ]
    if not pay:
        problems.append("no pay landed in the month: the sorter was not tried")
    sorted_moves = [m for m in moves if m.automation_id == rules.sorter]
    if len(sorted_moves) != 2 * len(pay):
        problems.append(f"{len(pay)} pay credits but {len(sorted_moves)} sorting moves")
    problems.extend(_back_and_forth(moves, credits, rules))
    swept = sum(1 for m in moves if m.automation_id == rules.sweep)
    topped_up = sum(1 for m in moves if m.automation_id == rules.topup)
    if swept < 5 or topped_up < 1:
        with Session(life.engine) as db:
            runs = db.execute(
                select(AutomationRun.trigger, AutomationRun.reason).where(
                    AutomationRun.automation_id == rules.topup
                )
            ).all()
        problems.append(
            f"too little tried: {swept} sweeps, {topped_up} top-ups; "
            f"top-up runs: {Counter(f'{t}:{r}' for t, r in runs)}"
        )
    return problems


def _back_and_forth(
    moves: list[Transfer], credits: list[Transaction], rules: MoneyRules
) -> list[str]:
    """A top-up's withdrawal then a sweep's deposit with no money coming in between is
    the same money going back and forth."""
    found: list[str] = []
    last_topup = None
    for move in moves:
        if move.automation_id == rules.topup:
            last_topup = move
        elif move.automation_id == rules.sweep and last_topup is not None:
            between = [
                c for c in credits if last_topup.created_at <= c.created_at <= move.created_at
            ]
            if not between:
                found.append(
                    f"topped up {last_topup.amount} at {last_topup.created_at}, then swept "
                    f"{move.amount} at {move.created_at} with nothing coming in between"
                )
            last_topup = None
    return found
