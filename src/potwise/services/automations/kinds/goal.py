"""The savings goal's live inputs: its pot, whether today is payday, what is safe to add."""

from __future__ import annotations

from typing import cast

from potwise.domain.rules import goal
from potwise.domain.rules.moves import RuleDecision
from potwise.services.automations import configs
from potwise.services.automations.kinds.common import KindContext
from potwise.services.automations.kinds.plan import money_plan


def domain_config(config: configs.GoalConfig) -> goal.GoalConfig:
    return goal.GoalConfig(**config.model_dump())


def decide(ctx: KindContext) -> RuleDecision:
    config = domain_config(cast(configs.GoalConfig, ctx.config))
    pot = ctx.pots[config.pot_id]
    plan = money_plan(ctx) if config.contribute_on_payday else None
    state = goal.GoalState.from_dict(ctx.rule.state) if ctx.rule.state else None
    return goal.decide_goal(
        config,
        pot_balance=pot.balance,
        pot_deleted=pot.deleted,
        today=ctx.today,
        payday_today=plan.payday_today if plan else False,
        # Safe to spend until payday is what savings may take without the user running
        # short before their pay lands (what it already counts for bills stays put).
        safe_to_add=plan.safe_to_add if plan else 0,
        available=ctx.available,
        moved_today=ctx.moved_today,
        state=state,
        now=ctx.now,
        tz=ctx.timezone,
        currency=ctx.account.currency,
        pot_name=pot.name,
    )
