"""The top-up's live inputs: the current account and the pot it draws from."""

from __future__ import annotations

from typing import cast

from potwise.domain.rules import topup
from potwise.domain.rules.moves import RuleDecision
from potwise.services.automations import configs
from potwise.services.automations.kinds.common import KindContext


def domain_config(config: configs.TopupConfig) -> topup.TopupConfig:
    return topup.TopupConfig(**config.model_dump())


def decide(ctx: KindContext) -> RuleDecision:
    config = domain_config(cast(configs.TopupConfig, ctx.config))
    pot = ctx.pots[config.pot_id]
    inputs = topup.TopupInputs(
        available=ctx.available,
        pot_balance=pot.balance,
        now=ctx.now,
        moved_today=ctx.moved_today,
        pot_deleted=pot.deleted,
        tz=ctx.timezone,
        currency=ctx.account.currency,
        pot_name=pot.name,
    )
    state = topup.TopupState.from_dict(ctx.rule.state) if ctx.rule.state else None
    return topup.decide_topup(config, inputs, state)
