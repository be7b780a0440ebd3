"""The sweep's live inputs: the current account, its pot, the bills due before payday."""

from __future__ import annotations

from typing import cast

from potwise.domain.rules import sweep
from potwise.domain.rules.moves import RuleDecision
from potwise.services.automations import configs
from potwise.services.automations.kinds.common import KindContext
from potwise.services.automations.kinds.plan import money_plan


def domain_config(config: configs.SweepConfig) -> sweep.SweepConfig:
    return sweep.SweepConfig(**config.model_dump())


def decide(ctx: KindContext) -> RuleDecision:
    config = domain_config(cast(configs.SweepConfig, ctx.config))
    pot = ctx.pots[config.pot_id]
    plan = money_plan(ctx)
    inputs = sweep.SweepInputs(
        available=ctx.available,
        pot_balance=pot.balance,
        now=ctx.now,
        bills_due=plan.bills_due,
        next_payday=plan.next_payday,
        moved_today=ctx.moved_today,
        pot_deleted=pot.deleted,
        tz=ctx.timezone,
        currency=ctx.account.currency,
        pot_name=pot.name,
    )
    state = sweep.SweepState.from_dict(ctx.rule.state) if ctx.rule.state else None
    return sweep.decide_sweep(config, inputs, state)
