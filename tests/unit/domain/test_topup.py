"""The auto top-up rule's decision: a table of named scenarios, then a shortage told
once, the words, the config and the stored state."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from potwise.domain.rules.moves import Direction, InvalidRuleConfig, Phase, RuleDecision
from potwise.domain.rules.topup import (
    InvalidTopupInput,
    InvalidTopupState,
    TopupConfig,
    TopupState,
    decide_topup,
)

from .sweep_topup_builders import POT, T0, topup, topup_config, topup_inputs

HOUR = timedelta(hours=1)
#: A top-up two hours before T0 (18:00): its 6-hour cooldown runs to midnight.
RECENT = TopupState(last_topup_at=T0 - 2 * HOUR)
#: A shortage the user was told of an hour ago.
TOLD = TopupState(waiting_since=T0 - HOUR)


@dataclass(frozen=True)
class Expect:
    reason: str
    amount: int = 0
    phase: Phase = Phase.OK
    notify: bool = False
    capped: bool = False
    waiting: bool = False  # the new state remembers a shortage


Scenario = Callable[[], tuple[RuleDecision, Expect]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


@scenario
def above_floor() -> tuple[RuleDecision, Expect]:
    return topup(available=20_000), Expect("above_floor")


@scenario
def exactly_at_floor() -> tuple[RuleDecision, Expect]:
    return topup(available=10_000), Expect("above_floor")


@scenario
def a_penny_below_the_floor() -> tuple[RuleDecision, Expect]:
    return topup(available=9_999), Expect("topped_up", 40_001, Phase.COOLDOWN)


@scenario
def below_floor_with_plenty_in_the_pot() -> tuple[RuleDecision, Expect]:
    return topup(available=5_000), Expect("topped_up", 45_000, Phase.COOLDOWN)


@scenario
def overdrawn() -> tuple[RuleDecision, Expect]:
    return topup(available=-2_000), Expect("topped_up", 52_000, Phase.COOLDOWN)


@scenario
def target_equals_floor() -> tuple[RuleDecision, Expect]:
    decision = topup({"floor": 10_000, "target": 10_000}, available=4_000)
    return decision, Expect("topped_up", 6_000, Phase.COOLDOWN)


@scenario
def pot_short_gives_what_it_can() -> tuple[RuleDecision, Expect]:
    decision = topup(available=5_000, pot_balance=3_000)
    return decision, Expect("partly_topped_up", 3_000, Phase.COOLDOWN, notify=True, waiting=True)


@scenario
def pot_short_above_its_own_floor() -> tuple[RuleDecision, Expect]:
    decision = topup({"pot_floor": 2_000}, available=5_000, pot_balance=5_000)
    return decision, Expect("partly_topped_up", 3_000, Phase.COOLDOWN, notify=True, waiting=True)


@scenario
def partial_told_already() -> tuple[RuleDecision, Expect]:
    decision = topup(state=TOLD, available=5_000, pot_balance=3_000)
    return decision, Expect("partly_topped_up", 3_000, Phase.COOLDOWN, waiting=True)


@scenario
def pot_at_its_floor() -> tuple[RuleDecision, Expect]:
    decision = topup({"pot_floor": 2_000}, pot_balance=2_000)
    return decision, Expect("pot_short", 0, Phase.WAITING_FUNDS, notify=True, waiting=True)


@scenario
def pot_below_its_floor() -> tuple[RuleDecision, Expect]:
    decision = topup({"pot_floor": 2_000}, pot_balance=1_500)
    return decision, Expect("pot_short", 0, Phase.WAITING_FUNDS, notify=True, waiting=True)


@scenario
def pot_empty() -> tuple[RuleDecision, Expect]:
    return topup(pot_balance=0), Expect(
        "pot_short", 0, Phase.WAITING_FUNDS, notify=True, waiting=True
    )


@scenario
def pot_empty_told_already() -> tuple[RuleDecision, Expect]:
    return topup(state=TOLD, pot_balance=0), Expect(
        "pot_short", 0, Phase.WAITING_FUNDS, waiting=True
    )


@scenario
def cooldown_in_force() -> tuple[RuleDecision, Expect]:
    return topup(state=RECENT), Expect("cooldown", 0, Phase.COOLDOWN)


@scenario
def cooldown_a_second_before_its_end() -> tuple[RuleDecision, Expect]:
    decision = topup(state=RECENT, now=T0 + 4 * HOUR - timedelta(seconds=1))
    return decision, Expect("cooldown", 0, Phase.COOLDOWN)


@scenario
def cooldown_just_ended() -> tuple[RuleDecision, Expect]:
    decision = topup(state=RECENT, now=T0 + 4 * HOUR)
    return decision, Expect("topped_up", 45_000, Phase.COOLDOWN)


@scenario
def cooldown_does_not_matter_above_the_floor() -> tuple[RuleDecision, Expect]:
    return topup(state=RECENT, available=60_000), Expect("above_floor")


@scenario
def no_cooldown_set() -> tuple[RuleDecision, Expect]:
    decision = topup({"cooldown_hours": 0}, state=TopupState(last_topup_at=T0))
    return decision, Expect("topped_up", 45_000, Phase.OK)


@scenario
def transfer_limit_caps() -> tuple[RuleDecision, Expect]:
    decision = topup({"max_transfer": 20_000})
    return decision, Expect("capped_by_limit", 20_000, Phase.COOLDOWN, capped=True)


@scenario
def daily_limit_partly_used() -> tuple[RuleDecision, Expect]:
    decision = topup({"max_per_day": 50_000}, moved_today=40_000)
    return decision, Expect("capped_by_limit", 10_000, Phase.COOLDOWN, capped=True)


@scenario
def daily_limit_used_up() -> tuple[RuleDecision, Expect]:
    decision = topup({"max_per_day": 50_000}, moved_today=50_000)
    return decision, Expect("daily_limit_reached", 0, Phase.OK, capped=True)


@scenario
def capped_and_the_pot_short() -> tuple[RuleDecision, Expect]:
    decision = topup({"max_transfer": 1_000}, pot_balance=3_000)
    return decision, Expect(
        "capped_by_limit", 1_000, Phase.COOLDOWN, notify=True, capped=True, waiting=True
    )


@scenario
def pot_deleted() -> tuple[RuleDecision, Expect]:
    return topup(pot_deleted=True), Expect("pot_deleted", notify=True)


@pytest.mark.parametrize("name", list(SCENARIOS), ids=list(SCENARIOS))
def test_scenario(name: str) -> None:
    decision, expect = SCENARIOS[name]()
    assert decision.reason == expect.reason
    assert decision.total == expect.amount
    assert decision.phase is expect.phase
    assert (decision.notify is not None) is expect.notify
    assert decision.capped is expect.capped
    kept = None if decision.new_state is None else TopupState.from_dict(decision.new_state)
    if expect.amount:
        (move,) = decision.moves
        assert (move.pot_id, move.direction) == (POT, Direction.WITHDRAW)
        assert kept is not None and kept.last_topup_at is not None
        if decision.phase is Phase.COOLDOWN:
            until = kept.last_topup_at + timedelta(hours=6)
            assert decision.figures["cooldown_until"] == until.isoformat()
    else:
        assert decision.moves == ()
    if kept is not None:
        assert (kept.waiting_since is not None) is expect.waiting
    assert decision.explanation
    json.dumps(decision.to_dict())  # JSON-safe, for the run's history


# -- a shortage is told once ----------------------------------------------------------------


def test_a_shortage_is_told_once_and_again_after_it_ends() -> None:
    config = topup_config(cooldown_hours=0)
    state: TopupState | None = None
    notices = []
    # (available, pot): short twice, back above the floor, then short again.
    for hours, (available, pot) in enumerate(
        [(5_000, 0), (4_000, 0), (20_000, 0), (5_000, 0), (5_000, 0)]
    ):
        decision = decide_topup(
            config,
            topup_inputs(available=available, pot_balance=pot, now=T0 + hours * HOUR),
            state,
        )
        notices.append(decision.notify is not None)
        if decision.new_state is not None:
            state = TopupState.from_dict(decision.new_state)
    assert notices == [True, False, False, True, False]


def test_a_partial_top_up_then_an_empty_pot_is_one_shortage() -> None:
    first = topup(available=5_000, pot_balance=3_000)
    state = TopupState.from_dict(first.new_state or {})
    later = topup(state=state, now=T0 + 6 * HOUR, available=7_000, pot_balance=0)
    assert (first.reason, later.reason) == ("partly_topped_up", "pot_short")
    assert first.notify is not None and later.notify is None
    assert TopupState.from_dict(later.new_state or {}).waiting_since == T0


def test_a_whole_top_up_ends_the_shortage() -> None:
    decision = topup(state=TOLD, pot_balance=100_000)
    assert decision.reason == "topped_up"
    assert TopupState.from_dict(decision.new_state or {}) == TopupState(last_topup_at=T0)


def test_a_cooldown_keeps_the_stored_state() -> None:
    decision = topup(state=RECENT)
    assert decision.new_state is None
    assert decision.status_reason == "no other top-up until 00:00 on Wed 23 Dec"


# -- what the user reads ------------------------------------------------------------------


def test_a_top_up_says_what_it_brings_the_account_to() -> None:
    decision = topup(available=-2_000)
    assert decision.explanation == (
        "£520.00 from Rainy day: the current account is overdrawn by £20.00, below its floor "
        "of £100.00; this brings it to its target of £500.00."
    )
    assert decision.moves[0].reason == "Top-up to £500.00"
    assert decision.figures == {
        "available": -2_000,
        "floor": 10_000,
        "target": 50_000,
        "pot_balance": 100_000,
        "pot_floor": 0,
        "cooldown_until": "2026-12-23T02:00:00+00:00",
        "need": 52_000,
        "can_give": 100_000,
        "moved_today": 0,
        "amount": 52_000,
    }


def test_a_partial_top_up_says_what_the_pot_had() -> None:
    decision = topup({"pot_floor": 2_000}, available=5_000, pot_balance=5_000)
    assert decision.explanation == (
        "£30.00 from Rainy day: the current account holds £50.00, below its floor of £100.00, "
        "and needs £450.00 to reach its target of £500.00, but Rainy day had only £30.00 "
        "above its floor of £20.00."
    )
    assert decision.notify == (
        "Your current account holds £50.00, below its floor of £100.00, and Rainy day has "
        "only £30.00 above its floor of £20.00 to give, £420.00 short of the £450.00 the "
        "current account needs to reach its target of £500.00. £30.00 came from it now."
    )


@pytest.mark.parametrize(
    ("config", "changes", "words"),
    [
        ({}, {"available": 10_000}, "holds £100.00, at its floor of £100.00"),
        ({}, {"available": 10_001}, "holds £100.01, above its floor of £100.00"),
        ({}, {"pot_balance": 0}, "but Rainy day is empty"),
        ({"pot_floor": 2_000}, {"pot_balance": 2_000}, "nothing above its floor of £20.00"),
        ({"max_transfer": 20_000}, {}, "capped by the £200.00 per-transfer limit, so the other"),
        (
            {"max_transfer": 1_000},
            {"pot_balance": 3_000},
            "(Rainy day has only £30.00); capped by the £10.00 per-transfer limit, so the "
            "other £20.00 waits for the next top-up.",
        ),
        ({"max_per_day": 50_000}, {"moved_today": 50_000}, "today's limit of £500.00 is used"),
        ({}, {"pot_deleted": True}, "Rainy day was deleted in the Monzo app"),
    ],
    ids=[
        "at-floor",
        "above",
        "empty",
        "at-pot-floor",
        "capped",
        "capped-and-short",
        "daily-limit",
        "deleted",
    ],
)
def test_explanations_quote_the_figures(
    config: dict[str, Any], changes: dict[str, Any], words: str
) -> None:
    assert words in topup(config, **changes).explanation


def test_a_cooldown_says_until_when_and_why() -> None:
    assert topup(state=RECENT).explanation == (
        "Nothing moves yet: the current account holds £50.00, below its floor of £100.00, "
        "but Rainy day topped it up at 18:00 today; no other top-up until 00:00 on Wed 23 Dec "
        "(the 6-hour cooldown keeps a sweep and a top-up from moving the same money back and "
        "forth)."
    )


def test_an_empty_pot_notice_says_what_happens_next() -> None:
    decision = topup(pot_balance=0)
    assert decision.notify == (
        "Your current account holds £50.00, below its floor of £100.00, and Rainy day has "
        "nothing above its own floor to give. potwise will top up once there is money in the pot."
    )
    assert decision.status_reason == "waiting for money in Rainy day"


# -- the config -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pot_id": ""}, "pot_id"),
        ({"floor": -1}, "floor"),
        ({"floor": 100.0}, "floor"),
        ({"target": 9_999}, "target"),
        ({"pot_floor": -1}, "pot_floor"),
        ({"cooldown_hours": 73}, "cooldown_hours"),
        ({"cooldown_hours": -1}, "cooldown_hours"),
        ({"cooldown_hours": 1.5}, "cooldown_hours"),
        ({"max_transfer": 0}, "max_transfer"),
        ({"max_per_day": 10_000_001}, "max_per_day"),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={v[k]}" for k in v),
)
def test_a_bad_config_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRuleConfig, match=field):
        topup_config(**changes)


def test_config_round_trips_through_the_api_shape() -> None:
    config = topup_config(pot_floor=2_500, cooldown_hours=0)
    assert TopupConfig.from_dict(config.to_dict()) == config
    with pytest.raises(InvalidRuleConfig, match="unknown config field"):
        TopupConfig.from_dict({**config.to_dict(), "colour": "red"})
    with pytest.raises(InvalidRuleConfig, match="target"):
        TopupConfig.from_dict({"pot_id": POT, "floor": 0})


@pytest.mark.parametrize(
    "changes",
    [
        {"available": 1.5},
        {"pot_balance": -1},
        {"moved_today": -1},
        {"now": datetime(2026, 12, 22, 20, 0)},  # noqa: DTZ001 - a naive time, refused
        {"tz": "Mars/Olympus"},
        {"pot_deleted": 1},
    ],
    ids=["float", "pot", "moved", "naive", "zone", "deleted"],
)
def test_bad_inputs_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidTopupInput):
        topup_inputs(**changes)


# -- the stored state -----------------------------------------------------------------------


def test_a_stored_state_keeps_loading() -> None:
    stored = {
        "version": 1,
        "last_topup_at": "2026-12-22T18:00:00+00:00",
        "waiting_since": None,
    }
    state = TopupState.from_dict(json.loads(json.dumps(stored)))
    assert state == RECENT
    assert state.to_dict() == stored
    assert TopupState.from_dict({**stored, "added_later": True}) == RECENT
    # A time stored with another offset is the same instant.
    other = TopupState.from_dict({**stored, "last_topup_at": "2026-12-22T19:00:00+01:00"})
    assert other.last_topup_at == datetime(2026, 12, 22, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "stored",
    [
        {"version": 2, "last_topup_at": None, "waiting_since": None},
        {"last_topup_at": None, "waiting_since": None},
        {"version": 1, "last_topup_at": None},
        {"version": 1, "last_topup_at": "2026-12-22T18:00:00", "waiting_since": None},
        {"version": 1, "last_topup_at": 1_766_426_400, "waiting_since": None},
    ],
    ids=["unknown-version", "no-version", "missing-key", "naive-time", "not-a-string"],
)
def test_an_unreadable_state_is_refused(stored: dict[str, Any]) -> None:
    with pytest.raises(InvalidTopupState):
        TopupState.from_dict(stored)
