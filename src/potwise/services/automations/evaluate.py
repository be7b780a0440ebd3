"""The decision on a gathered scene, and how it is explained and summarised in the run record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from potwise.domain.rules import cardpot
from potwise.domain.transfers import RuleStatus
from potwise.services.automations.recording import StatusAndReason
from potwise.services.automations.scene import Scene


@dataclass(frozen=True)
class Evaluation:
    """A decision with what the run record shows of it."""

    scene: Scene
    decision: cardpot.CardPotDecision
    explanation: str
    inputs: dict[str, Any]


def evaluate(scene: Scene, now: datetime) -> Evaluation:
    """Decide on the scene (pure), and say why in words."""
    decision = cardpot.decide_card_pot(
        scene.config,
        cards=scene.cards,
        pot=scene.pot,
        current=scene.current,
        moved_today=scene.moved_today,
        state=scene.state,
        now=now,
        tz=scene.timezone,
    )
    return Evaluation(scene, decision, _explanation(scene, decision), _inputs_summary(scene))


def _explanation(scene: Scene, decision: cardpot.CardPotDecision) -> str:
    if scene.data_as_of is None:
        return decision.explanation
    local = scene.data_as_of.astimezone(ZoneInfo(scene.timezone))
    return (
        f"Based on data from {local:%H:%M}: live balances could not be fetched just now "
        "(a bank did not answer, or its daily allowance of background refreshes is "
        f"spent). {decision.explanation}"
    )


def _inputs_summary(scene: Scene) -> dict[str, Any]:
    return {
        "cards": [
            {
                "account_id": c.account_id,
                "provider_id": c.provider_id,
                "balance": c.balance,
                "pending": [t.amount for t in c.pending],
            }
            for c in scene.cards
        ],
        "pot": {"id": scene.pot_row_id, "balance": scene.pot.balance, "deleted": scene.pot.deleted},
        "current_account_available": scene.current.available,
        "moved_today": scene.moved_today,
        "currency": scene.pot.currency,
    }


def rule_status(decision: cardpot.CardPotDecision) -> StatusAndReason:
    """The rule's status after a decision: waiting for funds, cooling down, or fine."""
    if decision.reason == cardpot.Reason.INSUFFICIENT_FUNDS:
        return RuleStatus.WAITING_FUNDS, "Not enough in the current account; retrying on every run."
    until = decision.cooldown_until
    if until is not None:
        return RuleStatus.COOLDOWN, f"Cooling down until {until.isoformat()}"
    return RuleStatus.OK, None
