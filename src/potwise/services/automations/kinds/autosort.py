"""The salary sorter's live inputs: the newest pay on the current account it has not
sorted yet, the pots of its steps, and the bills due before the next payday.

Only pay that landed after the rule was made (and within `LOOK_BACK`) is sorted:
switching a sorter on never shares out a salary that arrived, and was spent, before.
A credit is sorted once: its id goes into the rule's state in the same unit of work
as the moves' intents, so a webhook and a sync that both bring it sort it once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from sqlalchemy import select

from potwise.db.models import Transaction
from potwise.domain.merchants import merchant_key_for
from potwise.domain.mirror import TransactionStatus
from potwise.domain.rules import autosort
from potwise.domain.rules.moves import RuleDecision
from potwise.services.automations import configs
from potwise.services.automations.kinds.common import KindContext
from potwise.services.automations.kinds.plan import MoneyPlan, money_plan

# Pay older than this is not sorted: the rule was off, or potwise did not run.
LOOK_BACK = timedelta(days=3)


def domain_config(config: configs.AutosortConfig) -> autosort.AutosortConfig:
    steps = tuple(
        autosort.SortStep(
            pot_id=s.pot_id,
            kind=autosort.StepKind(s.kind),
            amount=s.amount,
            percent_bp=s.percent_bp,
        )
        for s in config.steps
    )
    return autosort.AutosortConfig(
        income=autosort.Income(config.income),
        steps=steps,
        max_transfer=config.max_transfer,
        max_per_day=config.max_per_day,
        payer=config.payer,
        min_amount=config.min_amount,
    )


def decide(ctx: KindContext) -> RuleDecision:
    config = domain_config(cast(configs.AutosortConfig, ctx.config))
    state = autosort.AutosortState.from_dict(ctx.rule.state) if ctx.rule.state else None
    candidates = _unsorted_credits(ctx, state)
    if not candidates:
        return _no_pay(config, None)
    # The outlook (payday, bills, which payer is salary) is read only when there is
    # money to sort: most runs find none.
    plan = money_plan(ctx)
    credit = _pay(config, candidates, plan)
    if credit is None:
        return _no_pay(config, plan)
    bills = {s.pot_id: plan.bills_due for s in config.steps if s.kind == autosort.StepKind.BILLS}
    return autosort.decide_autosort(
        config,
        credit=credit,
        available=ctx.available,
        pots={
            pot_id: autosort.PotView(balance=pot.balance, deleted=pot.deleted, name=pot.name)
            for pot_id, pot in ctx.pots.items()
        },
        bills_due=bills,
        next_payday=plan.next_payday,
        moved_today=ctx.moved_today,
        state=state,
        now=ctx.now,
        tz=ctx.timezone,
        currency=ctx.account.currency,
    )


def _unsorted_credits(ctx: KindContext, state: autosort.AutosortState | None) -> list[Transaction]:
    """Money in since the rule was made (and within `LOOK_BACK`), not sorted yet."""
    since = max(ctx.rule.created_at, ctx.now - LOOK_BACK)
    sorted_ids = set(state.sorted_credits) if state else set()
    rows = ctx.db.scalars(
        select(Transaction)
        .where(
            Transaction.account_id == ctx.account.id,
            Transaction.amount > 0,
            Transaction.status != TransactionStatus.DECLINED,
            Transaction.pot_external_id.is_(None),
            Transaction.created_at >= since,
        )
        .order_by(Transaction.created_at, Transaction.id)
    )
    return [row for row in rows if row.id not in sorted_ids]


def _pay(
    config: autosort.AutosortConfig, rows: list[Transaction], plan: MoneyPlan
) -> autosort.IncomeCredit | None:
    """The oldest of these credits that is the rule's pay."""
    for row in rows:
        credit = autosort.IncomeCredit(
            transaction_id=row.id,
            amount=row.amount,
            at=row.created_at,
            description=row.counterparty or row.merchant or row.description,
        )
        key = row.merchant_key or merchant_key_for(row.merchant, row.counterparty, row.description)
        if autosort.matches_income(config, credit, is_salary=key in plan.salary_payees):
            return credit
    return None


def _no_pay(config: autosort.AutosortConfig, plan: MoneyPlan | None) -> RuleDecision:
    if config.income == autosort.Income.SALARY and plan is not None and not plan.salary_payees:
        said = (
            "No pay to sort: no salary is confirmed yet. Confirm your salary under Bills, "
            "or sort pay from a named payer."
        )
    else:
        said = "No new pay to sort since the rule last sorted."
    return RuleDecision(moves=(), reason="no_new_pay", explanation=said)
