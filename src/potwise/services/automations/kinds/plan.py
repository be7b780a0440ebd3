"""What the cash-flow side tells the rules: the next payday, whether today is one,
the bills due before it, what is safe to add to savings, and which payer is salary.

All of it comes from the same outlook as safe to spend and the forecast
(`services/cashflow/outlook.py`), so a rule never disagrees with the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from potwise.domain.cashevents import EventKind
from potwise.domain.cashflow import safe_to_spend
from potwise.domain.payday import paydays_between
from potwise.services.automations.kinds.common import KindContext
from potwise.services.cashflow.outlook import CURRENCY, Outlook, outlook


@dataclass(frozen=True)
class MoneyPlan:
    """The user's money until the next payday, as a rule reads it."""

    next_payday: date | None  # None: no payday set or detected
    payday_today: bool
    bills_due: int  # pence (>= 0) expected to leave before the next payday
    safe_to_add: int  # pence (>= 0): safe to spend, which savings may take
    salary_payees: frozenset[str]  # confirmed incoming commitments' payee keys


def money_plan(ctx: KindContext) -> MoneyPlan:
    """Read the user's outlook once for this decision."""
    found = outlook(ctx.db, ctx.rule.user_id, now=ctx.now, zone=ZoneInfo(ctx.timezone))
    known = found.payday_source != "none"
    payday_today = bool(
        found.payday is not None and paydays_between(found.payday, found.today, found.today)
    )
    return MoneyPlan(
        next_payday=found.next_payday if known else None,
        payday_today=payday_today,
        bills_due=bills_before_payday(found),
        safe_to_add=max(0, _safe(found)),
        salary_payees=frozenset(
            v.payee
            for v in found.commitments
            if v.direction == "in" and v.status == v.statuses.CONFIRMED
        ),
    )


def bills_before_payday(found: Outlook) -> int:
    """What is expected to leave the current accounts from today until the day before
    the next payday: bills, planned costs, instalments and card repayments, less what
    credit-card pots give back for those repayments (income is not counted)."""
    due = sum(
        e.amount
        for e in found.events
        if found.today <= e.on < found.next_payday and e.kind != EventKind.INCOME
    )
    return max(0, -due)


def _safe(found: Outlook) -> int:
    result = safe_to_spend(
        today=found.today,
        next_payday=found.next_payday,
        accounts=found.accounts,
        pots=found.pots,
        events=found.events,
        set_asides=found.set_asides,
        card_cover=found.card_cover,
        cards_owed=found.cards_owed,
        currency=CURRENCY,
    )
    return result.amount
