"""The card-pot rule's stored state and the phase a decision leaves the rule in.

A state is stored after every run and read back by the next one, after restarts and
upgrades alike: what an earlier release stored must keep loading, and must be written
back unchanged.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from potwise.domain.rules.cardpot import CardPotState, InvalidCardPotState, Phase, Reason

from .cardpot_builders import AMEX, T0, card, config, run, settled, tx

HOUR = timedelta(hours=1)

#: A state as the rule stored it before its policy was split into a package: an Amex
#: with a posted and two pending charges seen, a cooldown running and £23.99 of
#: spending still to deposit (the £10 per-transfer limit held it back).
STORED: dict[str, Any] = {
    "version": 1,
    "pot_id": "pot-1",
    "recorded_at": "2025-03-03T15:02:00+00:00",
    "recorded_owed": 54399,
    "unfunded": 2399,
    "funds_notified": False,
    "cooldown": {
        "started_at": "2025-03-03T15:02:00+00:00",
        "until": "2025-03-03T18:02:00+00:00",
        "owed_at_start": 54399,
        "pot_at_start": 30000,
    },
    "cards": {
        "card-amex": {
            "seen": {
                "tx-2": "2025-03-03T13:02:00+00:00",
                "tx-1": "2025-03-03T13:02:00+00:00",
                "tx-3": "2025-03-03T14:32:00+00:00",
            },
            "pending_charges": {"tx-1": 1899, "tx-3": 2500},
        }
    },
}


_CARD: dict[str, Any] = STORED["cards"]["card-amex"]


def test_a_state_stored_by_an_earlier_release_round_trips_unchanged() -> None:
    state = CardPotState.from_dict(json.loads(json.dumps(STORED)))
    assert state.to_dict() == STORED
    assert json.dumps(state.to_dict()) == json.dumps(STORED)  # same keys, same order


def test_a_stored_state_carries_on_where_it_left_off() -> None:
    state = CardPotState.from_dict(STORED)
    amex = card(
        50000,
        pending=(
            tx(-1899, pending=True, tx_id="tx-1"),
            tx(-2500, pending=True, tx_id="tx-3", at=T0 + HOUR / 2),
        ),
        posted=(tx(-4250, tx_id="tx-2"),),
    )
    decision = run(amex, 31000, state, cfg=config(max_transfer=1000), now=T0 + 2 * HOUR)
    assert (decision.action, decision.amount, decision.reason) == (
        "deposit",
        1000,
        "capped_by_limit",
    )
    assert decision.cooldown_until == T0 + 4 * HOUR  # the stored cooldown still runs
    assert decision.new_state is not None and decision.new_state.unfunded == 1399


def test_a_state_stored_before_balances_were_kept_reads_them_as_unknown() -> None:
    state = CardPotState.from_dict(STORED)
    assert state.pot_left is None
    assert (state.cards[AMEX].owed, state.cards[AMEX].covered_ahead) == (None, 0)


def test_balances_kept_now_round_trip_through_json() -> None:
    amex = card(50000)
    first = run(card(54567), 50000, settled(amex), now=T0 + HOUR)
    kept = first.new_state
    assert kept is not None
    data = json.loads(json.dumps(kept.to_dict()))
    assert data["version"] == 1
    assert data["pot_left"] == 54567
    assert data["cards"][AMEX]["owed"] == 54567
    assert data["cards"][AMEX]["covered_ahead"] == 4567
    assert CardPotState.from_dict(data) == kept
    # What is covered ahead is written only when there is some.
    settled_data = settled(amex).to_dict()
    assert "covered_ahead" not in settled_data["cards"][AMEX]
    assert settled_data["pot_left"] == 50000


@pytest.mark.parametrize(
    "damage",
    [{"pot_left": "500"}, {"pot_left": True}, {"cards": {AMEX: {**_CARD, "owed": 1.5}}}],
    ids=["pot-string", "pot-bool", "owed-float"],
)
def test_unreadable_balances_are_refused(damage: dict[str, Any]) -> None:
    with pytest.raises(InvalidCardPotState):
        CardPotState.from_dict({**STORED, **damage})


def test_phases_are_the_statuses_stored_for_a_rule() -> None:
    assert [phase.value for phase in Phase] == ["ok", "cooldown", "waiting_funds"]
    assert Phase("cooldown") is Phase.COOLDOWN


def test_a_decision_says_which_phase_it_leaves_the_rule_in() -> None:
    amex = card(50000)
    state = settled(amex)
    assert run(amex, 50000, state, now=T0 + HOUR).phase is Phase.OK
    cooling = run(amex, 0, state, now=T0 + HOUR)
    assert (cooling.reason, cooling.phase) == (Reason.COOLDOWN_STARTED, Phase.COOLDOWN)
    broke = run(card(50000), 0, None, available=10)
    assert (broke.reason, broke.phase) == (Reason.INSUFFICIENT_FUNDS, Phase.WAITING_FUNDS)
    assert AMEX in state.cards
