"""Properties of the sweep and top-up decisions, over random configs, balances, times and
zones (the clocks' changes included), and over random days of a current account that
a top-up keeps above its floor.

Whatever the inputs: no move is of 0 or of part of a penny, none is above the
per-transfer limit or beyond what is left of the day's, a sweep never takes the
current account below zero (nor below what it keeps), and a top-up never takes the
pot below its floor (nor the current account above its target).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from potwise.domain.rules.moves import Direction, RuleDecision
from potwise.domain.rules.sweep import (
    SweepConfig,
    SweepInputs,
    SweepState,
    decide_sweep,
    next_slot,
)
from potwise.domain.rules.topup import TopupConfig, TopupInputs, TopupState, decide_topup

from .sweep_topup_builders import POT

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC")
LIMIT = 10_000_000
# 2026 to 2027, to the second: two of each clock change in London, New York and Sydney.
# Drawn as seconds from the start (faster to draw and to shrink than st.datetimes).
START = datetime(2026, 1, 1, tzinfo=UTC)
instants = st.integers(min_value=0, max_value=2 * 365 * 86_400).map(
    lambda s: START + timedelta(seconds=s)
)
limits = st.integers(min_value=1, max_value=LIMIT)


def _assert_sound_moves(decision: RuleDecision, direction: Direction) -> None:
    """At most one move, of whole pence above zero, within the limits: the shared part."""
    assert len(decision.moves) <= 1
    for move in decision.moves:
        assert type(move.amount) is int
        assert move.amount > 0
        assert (move.pot_id, move.direction) == (POT, direction)
    json.dumps(decision.to_dict())


# -- sweep ----------------------------------------------------------------------------------


@st.composite
def sweep_configs(draw: st.DrawFn) -> SweepConfig:
    schedule = draw(st.sampled_from(["daily", "weekly", "before_payday"]))
    return SweepConfig(
        pot_id=POT,
        threshold=draw(st.integers(min_value=0, max_value=2_000_000)),
        keep_for_bills=draw(st.booleans()),
        schedule=schedule,
        time=f"{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}",
        weekday=draw(st.integers(0, 6)) if schedule == "weekly" else None,
        round_to=draw(st.one_of(st.sampled_from([1, 100, 500]), st.integers(1, 100_000))),
        max_transfer=draw(limits),
        max_per_day=draw(limits),
    )


@st.composite
def sweep_inputs(draw: st.DrawFn) -> SweepInputs:
    now = draw(instants)
    payday = draw(st.none() | st.integers(1, 40).map(lambda d: now.date() + timedelta(days=d)))
    return SweepInputs(
        available=draw(st.integers(min_value=-500_000, max_value=5_000_000)),
        pot_balance=draw(st.integers(min_value=0, max_value=LIMIT)),
        now=now,
        bills_due=draw(st.integers(min_value=0, max_value=1_000_000)),
        next_payday=payday,
        moved_today=draw(st.integers(min_value=0, max_value=LIMIT + 1)),
        pot_deleted=draw(st.integers(0, 9)) == 0,
        tz=draw(st.sampled_from(ZONES)),
    )


def _states(inputs: SweepInputs) -> st.SearchStrategy[SweepState | None]:
    near = st.integers(-2, 1).map(lambda d: SweepState(inputs.now.date() + timedelta(days=d)))
    return st.none() | near


@settings(max_examples=150, deadline=None)
@given(config=sweep_configs(), inputs=sweep_inputs(), data=st.data())
def test_a_sweep_stays_within_the_limits_and_the_current_account(
    config: SweepConfig, inputs: SweepInputs, data: st.DataObject
) -> None:
    state = data.draw(_states(inputs))
    decision = decide_sweep(config, inputs, state)
    _assert_sound_moves(decision, Direction.DEPOSIT)
    amount = decision.total
    assert amount <= config.max_transfer
    assert amount <= max(0, config.max_per_day - inputs.moved_today)
    if amount:
        assert inputs.available - amount >= 0  # a sweep never takes it below zero
        kept = config.threshold + (inputs.bills_due if config.keep_for_bills else 0)
        assert inputs.available - amount >= kept
        if not decision.capped:
            assert amount % config.round_to == 0
        assert not inputs.pot_deleted


@settings(max_examples=100, deadline=None)
@given(config=sweep_configs(), inputs=sweep_inputs(), data=st.data())
def test_a_slot_is_handled_once(
    config: SweepConfig, inputs: SweepInputs, data: st.DataObject
) -> None:
    first = decide_sweep(config, inputs, data.draw(_states(inputs)))
    if first.new_state is None:
        return
    state = SweepState.from_dict(first.new_state)
    again = decide_sweep(config, inputs, state)
    assert again.total == 0
    assert again.reason in {"not_due", "no_payday"}
    assert SweepState.from_dict(again.new_state or {}) == state


@settings(max_examples=100, deadline=None)
@given(config=sweep_configs(), inputs=sweep_inputs())
def test_a_slot_is_due_exactly_from_the_instant_next_slot_gives(
    config: SweepConfig, inputs: SweepInputs
) -> None:
    at = next_slot(config, inputs.now, inputs.tz, inputs.next_payday)
    if at is None or inputs.pot_deleted:
        return
    assert at > inputs.now
    day = at.astimezone(ZoneInfo(inputs.tz)).date()
    due = _decide_at(config, inputs, at)
    assert (due.figures["slot"], due.reason) != (None, "not_due")
    assert due.figures["slot"] == day.isoformat()
    early = _decide_at(config, inputs, at - timedelta(seconds=1))
    assert early.figures["slot"] != day.isoformat()


def _decide_at(config: SweepConfig, inputs: SweepInputs, now: datetime) -> RuleDecision:
    fields: dict[str, Any] = {
        name: getattr(inputs, name) for name in SweepInputs.__dataclass_fields__
    }
    return decide_sweep(config, SweepInputs(**{**fields, "now": now}), None)


# -- top-up ---------------------------------------------------------------------------------


@st.composite
def topup_configs(draw: st.DrawFn) -> TopupConfig:
    floor = draw(st.integers(min_value=0, max_value=1_000_000))
    return TopupConfig(
        pot_id=POT,
        floor=floor,
        target=floor + draw(st.integers(min_value=0, max_value=2_000_000)),
        pot_floor=draw(st.integers(min_value=0, max_value=500_000)),
        cooldown_hours=draw(st.integers(min_value=0, max_value=72)),
        max_transfer=draw(limits),
        max_per_day=draw(limits),
    )


@st.composite
def topup_inputs(draw: st.DrawFn) -> TopupInputs:
    return TopupInputs(
        available=draw(st.integers(min_value=-500_000, max_value=2_000_000)),
        pot_balance=draw(st.integers(min_value=0, max_value=3_000_000)),
        now=draw(instants),
        moved_today=draw(st.integers(min_value=0, max_value=LIMIT + 1)),
        pot_deleted=draw(st.integers(0, 9)) == 0,
        tz=draw(st.sampled_from(ZONES)),
    )


def _topup_states(now: datetime) -> st.SearchStrategy[TopupState | None]:
    ago = st.integers(min_value=0, max_value=100 * 60).map(lambda m: now - timedelta(minutes=m))
    return st.none() | st.builds(TopupState, st.none() | ago, st.none() | ago)


@settings(max_examples=150, deadline=None)
@given(config=topup_configs(), inputs=topup_inputs(), data=st.data())
def test_a_top_up_stays_within_the_limits_and_the_pot_floor(
    config: TopupConfig, inputs: TopupInputs, data: st.DataObject
) -> None:
    state = data.draw(_topup_states(inputs.now))
    decision = decide_topup(config, inputs, state)
    _assert_sound_moves(decision, Direction.WITHDRAW)
    amount = decision.total
    assert amount <= config.max_transfer
    assert amount <= max(0, config.max_per_day - inputs.moved_today)
    if amount:
        assert inputs.pot_balance - amount >= config.pot_floor
        assert inputs.available + amount <= config.target
        assert inputs.available < config.floor
        assert not inputs.pot_deleted
        last = None if state is None else state.last_topup_at
        assert last is None or inputs.now >= last + timedelta(hours=config.cooldown_hours)


# Events on a day of a current account: spending, income, money put in the pot, time.
events = st.lists(
    st.tuples(
        st.sampled_from(["spend", "income", "fill_pot", "wait"]),
        st.integers(min_value=1, max_value=200_000),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(config=topup_configs(), start=instants, pot=st.integers(0, 300_000), steps=events)
def test_over_many_runs_a_shortage_is_told_once(
    config: TopupConfig, start: datetime, pot: int, steps: list[tuple[str, int]]
) -> None:
    """Simulate runs after each event, making each decided move as the executor would."""
    available, now, state = config.floor, start, None
    moved: dict[date, int] = {}
    told = False
    for kind, amount in steps:
        if kind == "spend":
            available -= amount
        elif kind == "income":
            available += amount
        elif kind == "fill_pot":
            pot += amount
        else:
            now += timedelta(minutes=amount // 100)
        today = now.astimezone(ZoneInfo("Europe/London")).date()
        inputs = TopupInputs(
            available=available, pot_balance=pot, now=now, moved_today=moved.get(today, 0)
        )
        decision = decide_topup(config, inputs, state)
        _assert_sound_moves(decision, Direction.WITHDRAW)
        if decision.notify is not None:
            assert not told, "a shortage was told twice"
            told = True
        figures = decision.figures
        if decision.reason == "above_floor" or (
            decision.total and figures["can_give"] >= figures["need"]
        ):
            told = False  # the shortage is over
        pot -= decision.total
        available += decision.total
        moved[today] = moved.get(today, 0) + decision.total
        assert pot >= 0 and moved[today] <= config.max_per_day
        if decision.new_state is not None:
            state = TopupState.from_dict(decision.new_state)
