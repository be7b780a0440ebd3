"""The decision on a gathered scene, and how it is explained and summarised in the run record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from potwise.domain.rules import cardpot
from potwise.domain.rules.cardpot.formats import fmt
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
    return Evaluation(scene, decision, _explanation(scene, decision, now), _inputs_summary(scene))


def _explanation(scene: Scene, decision: cardpot.CardPotDecision, now: datetime) -> str:
    """The decision's words, then the data it used and how old it was."""
    zone = ZoneInfo(scene.timezone)
    said = decision.explanation
    parts = [said if said.endswith(".") else f"{said}."]
    if scene.data_as_of is not None:
        local = scene.data_as_of.astimezone(zone)
        parts.insert(
            0,
            f"Based on data from {local:%H:%M}: live balances could not be fetched just now "
            "(a bank did not answer, or its daily allowance of background refreshes is "
            "spent).",
        )
    else:
        parts.append(f"Pot and current account read live at {now.astimezone(zone):%H:%M}.")
    parts.extend(_card_lines(scene, zone, now))
    return " ".join(parts)


def _card_lines(scene: Scene, zone: ZoneInfo, now: datetime) -> list[str]:
    """When each card was last read from its bank, and repayments on their way."""
    lines: list[str] = []
    read = [
        f"{card.name} at {_when(card.read_at, zone, now)}"
        for card in scene.cards_read
        if card.read_at is not None
    ]
    if read:
        lines.append("Cards as last read from the bank: " + ", ".join(read) + ".")
    for card_id, repayments in scene.repaying.items():
        name = next((c.name for c in scene.cards_read if c.account_id == card_id), "the card")
        for repayment in repayments:
            lines.append(
                f"{fmt(repayment.amount, scene.pot.currency)} paid towards {name} "
                f"at {repayment.at.astimezone(zone):%H:%M} is counted as paid; the card "
                "does not show it yet."
            )
    return lines


def _when(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """A time the way a run's explanation says it: "06:31 (7 h 29 min ago)"."""
    local = moment.astimezone(zone)
    age = max(now - moment, timedelta(0))
    hours, rest = divmod(int(age.total_seconds()) // 60, 60)
    ago = f"{hours} h {rest} min ago" if hours else f"{rest} min ago"
    day = "" if local.date() == now.astimezone(zone).date() else f"{local:%a %d %b} "
    return f"{day}{local:%H:%M} ({ago})"


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
