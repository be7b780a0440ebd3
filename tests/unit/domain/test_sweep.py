"""The sweep rule's decision: a table of named scenarios, then the slots, the words,
the config and the stored state."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from potwise.domain.calendar import payday_in_month
from potwise.domain.rules.moves import Direction, InvalidRuleConfig, Phase, RuleDecision
from potwise.domain.rules.sweep import (
    InvalidSweepInput,
    InvalidSweepState,
    SweepConfig,
    SweepState,
    decide_sweep,
    next_slot,
)

from .sweep_topup_builders import CHRISTMAS, POT, T0, london, sweep, sweep_config, sweep_inputs

TODAY = date(2026, 12, 22)
HANDLED_TODAY = SweepState(last_slot=TODAY)
#: Monday 1 June 2026: a payday after a weekend, swept on Sunday 31 May.
MONDAY_PAYDAY = date(2026, 6, 1)


@dataclass(frozen=True)
class Expect:
    reason: str
    amount: int = 0
    handled: date | None = None  # the slot the new state records as handled
    capped: bool = False


Scenario = Callable[[], tuple[RuleDecision, Expect]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


# -- the surplus ------------------------------------------------------------------------


@scenario
def threshold_exactly_met() -> tuple[RuleDecision, Expect]:
    return sweep(available=100_000), Expect("threshold_met", handled=TODAY)


@scenario
def one_penny_above_is_less_than_a_pound() -> tuple[RuleDecision, Expect]:
    return sweep(available=100_001), Expect("less_than_round", handled=TODAY)


@scenario
def one_penny_above_to_the_penny() -> tuple[RuleDecision, Expect]:
    return sweep({"round_to": 1}, available=100_001), Expect("swept", 1, TODAY)


@scenario
def below_threshold() -> tuple[RuleDecision, Expect]:
    return sweep(available=99_999), Expect("below_threshold", handled=TODAY)


@scenario
def overdrawn() -> tuple[RuleDecision, Expect]:
    return sweep(available=-2_000), Expect("below_threshold", handled=TODAY)


@scenario
def rounds_down_to_whole_pounds() -> tuple[RuleDecision, Expect]:
    return sweep(available=132_045), Expect("swept", 32_000, TODAY)


@scenario
def rounds_to_ten_pounds() -> tuple[RuleDecision, Expect]:
    return sweep({"round_to": 1_000}, available=132_045), Expect("swept", 32_000, TODAY)


@scenario
def round_to_one_sweeps_to_the_penny() -> tuple[RuleDecision, Expect]:
    return sweep({"round_to": 1}, available=132_045), Expect("swept", 32_045, TODAY)


@scenario
def bills_kept() -> tuple[RuleDecision, Expect]:
    return sweep(available=132_045, bills_due=20_045), Expect("swept", 12_000, TODAY)


@scenario
def bills_not_kept() -> tuple[RuleDecision, Expect]:
    decision = sweep({"keep_for_bills": False}, available=132_045, bills_due=20_045)
    return decision, Expect("swept", 32_000, TODAY)


@scenario
def bills_bigger_than_the_surplus() -> tuple[RuleDecision, Expect]:
    return sweep(available=132_045, bills_due=40_000), Expect("below_threshold", handled=TODAY)


@scenario
def bills_meet_the_rest_exactly() -> tuple[RuleDecision, Expect]:
    return sweep(available=132_045, bills_due=32_045), Expect("threshold_met", handled=TODAY)


# -- the limits -------------------------------------------------------------------------


@scenario
def transfer_limit_caps() -> tuple[RuleDecision, Expect]:
    decision = sweep({"max_transfer": 10_000}, available=132_045)
    return decision, Expect("capped_by_limit", 10_000, TODAY, capped=True)


@scenario
def daily_limit_partly_used() -> tuple[RuleDecision, Expect]:
    decision = sweep({"max_per_day": 50_000}, available=132_045, moved_today=30_000)
    return decision, Expect("capped_by_limit", 20_000, TODAY, capped=True)


@scenario
def daily_limit_used_up() -> tuple[RuleDecision, Expect]:
    decision = sweep({"max_per_day": 50_000}, available=132_045, moved_today=50_000)
    return decision, Expect("daily_limit_reached", 0, TODAY, capped=True)


# -- the slots --------------------------------------------------------------------------


@scenario
def daily_before_the_time() -> tuple[RuleDecision, Expect]:
    return sweep(now=T0 - timedelta(minutes=1)), Expect("not_due")


@scenario
def slot_already_handled_today() -> tuple[RuleDecision, Expect]:
    return sweep(state=HANDLED_TODAY, now=T0 + timedelta(hours=2)), Expect("not_due", handled=TODAY)


@scenario
def handled_yesterday_sweeps_today() -> tuple[RuleDecision, Expect]:
    state = SweepState(last_slot=TODAY - timedelta(days=1))
    return sweep(state=state), Expect("swept", 32_000, TODAY)


@scenario
def weekly_on_the_wrong_weekday() -> tuple[RuleDecision, Expect]:
    return sweep({"schedule": "weekly", "weekday": 4}), Expect("not_due")


@scenario
def weekly_on_the_day_before_the_time() -> tuple[RuleDecision, Expect]:
    decision = sweep({"schedule": "weekly", "weekday": 1}, now=T0 - timedelta(seconds=1))
    return decision, Expect("not_due")


@scenario
def weekly_on_the_day_after_the_time() -> tuple[RuleDecision, Expect]:
    decision = sweep({"schedule": "weekly", "weekday": 1}, now=T0 + timedelta(hours=3))
    return decision, Expect("swept", 32_000, TODAY)


@scenario
def weekly_the_day_after_the_weekday() -> tuple[RuleDecision, Expect]:
    decision = sweep({"schedule": "weekly", "weekday": 1}, now=T0 + timedelta(days=1))
    return decision, Expect("not_due")


@scenario
def before_payday_monday_sweeps_on_sunday() -> tuple[RuleDecision, Expect]:
    decision = sweep(
        {"schedule": "before_payday"}, now=london(2026, 5, 31), next_payday=MONDAY_PAYDAY
    )
    return decision, Expect("swept", 32_000, date(2026, 5, 31))


@scenario
def before_payday_monday_not_on_friday() -> tuple[RuleDecision, Expect]:
    decision = sweep(
        {"schedule": "before_payday"}, now=london(2026, 5, 29), next_payday=MONDAY_PAYDAY
    )
    return decision, Expect("not_due")


@scenario
def before_payday_moved_for_christmas() -> tuple[RuleDecision, Expect]:
    # Pay due on Friday 25 December 2026, a bank holiday, is paid on the 24th.
    payday = payday_in_month(2026, 12, 25)
    decision = sweep({"schedule": "before_payday"}, now=london(2026, 12, 23), next_payday=payday)
    return decision, Expect("swept", 32_000, date(2026, 12, 23))


@scenario
def before_payday_not_two_days_before() -> tuple[RuleDecision, Expect]:
    decision = sweep({"schedule": "before_payday"}, next_payday=date(2026, 12, 24))
    return decision, Expect("not_due")


@scenario
def no_payday() -> tuple[RuleDecision, Expect]:
    return sweep({"schedule": "before_payday"}, next_payday=None), Expect("no_payday")


@scenario
def pot_deleted() -> tuple[RuleDecision, Expect]:
    return sweep(pot_deleted=True), Expect("pot_deleted")


# -- the clocks change -----------------------------------------------------------------


@scenario
def march_change_day_sweeps_at_20_bst() -> tuple[RuleDecision, Expect]:
    now = datetime(2026, 3, 29, 19, 0, tzinfo=UTC)  # 20:00 BST
    return sweep(now=now), Expect("swept", 32_000, date(2026, 3, 29))


@scenario
def march_change_day_not_a_minute_before() -> tuple[RuleDecision, Expect]:
    now = datetime(2026, 3, 29, 18, 59, tzinfo=UTC)  # 19:59 BST
    return sweep(now=now), Expect("not_due")


@scenario
def october_change_day_not_due_at_19_30_utc() -> tuple[RuleDecision, Expect]:
    now = datetime(2026, 10, 25, 19, 30, tzinfo=UTC)  # 19:30 GMT; a day earlier, 20:30 BST
    return sweep(now=now), Expect("not_due")


@scenario
def october_change_day_sweeps_at_20_gmt() -> tuple[RuleDecision, Expect]:
    now = datetime(2026, 10, 25, 20, 0, tzinfo=UTC)
    return sweep(now=now), Expect("swept", 32_000, date(2026, 10, 25))


@pytest.mark.parametrize("name", list(SCENARIOS), ids=list(SCENARIOS))
def test_scenario(name: str) -> None:
    decision, expect = SCENARIOS[name]()
    assert decision.reason == expect.reason
    assert decision.total == expect.amount
    assert decision.capped is expect.capped
    assert decision.phase is Phase.OK
    if expect.amount:
        (move,) = decision.moves
        assert (move.pot_id, move.direction) == (POT, Direction.DEPOSIT)
    else:
        assert decision.moves == ()
    if expect.reason == "pot_deleted":
        assert decision.new_state is None
        assert decision.notify is not None
    else:
        assert decision.notify is None
        assert decision.new_state is not None
        slot = None if expect.handled is None else expect.handled.isoformat()
        assert decision.new_state["last_slot"] == slot
    assert decision.explanation
    json.dumps(decision.to_dict())  # JSON-safe, for the run's history


def test_a_handled_slot_is_not_swept_twice() -> None:
    first = sweep()
    again = sweep(state=SweepState.from_dict(first.new_state or {}), now=T0 + timedelta(hours=1))
    assert (first.total, again.total, again.reason) == (32_000, 0, "not_due")
    assert again.explanation == "Today's sweep is done; the next is at 20:00 on Wed 23 Dec."


def test_a_slot_that_found_nothing_is_handled_too() -> None:
    first = sweep(available=50_000)
    later = sweep(state=SweepState.from_dict(first.new_state or {}), available=900_000)
    assert (first.reason, later.reason, later.total) == ("below_threshold", "not_due", 0)


# -- what the user reads ------------------------------------------------------------------


def test_a_sweep_says_what_stays_and_why() -> None:
    decision = sweep(available=132_045, bills_due=20_000)
    assert decision.explanation == (
        "£120.00 into Holiday: the current account holds £1,320.45 and keeps its threshold "
        "of £1,000.00 and £200.00 for bills due before payday on Fri 25 Dec; "
        "rounded down to whole pounds."
    )
    assert decision.moves[0].reason == "Sweep above £1,000.00"
    assert decision.figures == {
        "available": 132_045,
        "threshold": 100_000,
        "slot": "2026-12-22",
        "next_slot": "2026-12-23T20:00:00+00:00",
        "bills_kept": 20_000,
        "moved_today": 0,
        "surplus": 12_045,
        "rounded": 12_000,
        "amount": 12_000,
    }
    assert decision.status_reason == "next sweep at 20:00 on Wed 23 Dec"


def test_a_capped_sweep_names_the_limit_and_what_stays() -> None:
    decision = sweep({"max_transfer": 10_000}, available=132_045)
    assert decision.explanation.endswith(
        "; capped by the £100.00 per-transfer limit, so the other £220.00 stays in the "
        "current account until the next sweep."
    )
    limited = sweep({"max_per_day": 50_000}, available=132_045, moved_today=30_000)
    assert "capped by the £500.00 daily limit, so the other £120.00 stays" in limited.explanation


@pytest.mark.parametrize(
    ("changes", "config", "words"),
    [
        ({"available": 100_000}, {}, "exactly its threshold of £1,000.00"),
        ({"available": -2_000}, {}, "is overdrawn by £20.00, £1,020.00 less than it keeps"),
        ({"available": 100_045}, {}, "only £0.45 above what it keeps"),
        (
            {"bills_due": 0},
            {},
            "threshold of £1,000.00, with no bills due before payday on Fri 25 Dec",
        ),
        ({}, {"round_to": 500}, "rounded down to a multiple of £5.00"),
        ({"moved_today": 3_000_000}, {}, "today's limit of £30,000.00 is used up"),
        ({"pot_deleted": True}, {}, "Holiday was deleted in the Monzo app"),
    ],
    ids=["met", "overdrawn", "pennies", "no-bills", "step", "daily-limit", "deleted"],
)
def test_explanations_quote_the_figures(
    changes: dict[str, Any], config: dict[str, Any], words: str
) -> None:
    assert words in sweep(config, **changes).explanation


def test_not_due_says_when_the_next_sweep_is() -> None:
    assert sweep(now=T0 - timedelta(hours=1)).explanation == (
        "Not time yet: the next sweep is at 20:00 today."
    )
    weekly = sweep({"schedule": "weekly", "weekday": 4})
    assert weekly.explanation == (
        "Not time yet: this sweep runs on Fridays; the next is at 20:00 on Fri 25 Dec."
    )
    christmas = sweep({"schedule": "before_payday"}, next_payday=date(2026, 12, 24))
    assert christmas.explanation == (
        "Not time yet: the next sweep is at 20:00 on Wed 23 Dec, the day before payday on "
        "Thu 24 Dec."
    )


def test_a_payday_in_the_past_waits_for_the_next() -> None:
    decision = sweep({"schedule": "before_payday"}, next_payday=date(2026, 12, 20))
    assert decision.reason == "not_due"
    assert "payday on Sun 20 Dec has passed" in decision.explanation
    assert decision.figures["next_slot"] is None


def test_without_a_payday_it_says_how_to_get_one() -> None:
    decision = sweep({"schedule": "before_payday"}, next_payday=None)
    assert "payday is not known yet" in decision.explanation
    assert "Set your payday, or wait for your salary to be detected" in decision.explanation
    assert decision.status_reason == "waiting for a payday to be known"


def test_a_deleted_pot_leaves_a_notice_and_the_state() -> None:
    decision = sweep(state=HANDLED_TODAY, pot_deleted=True)
    assert decision.notify == (
        "The pot Holiday was deleted in the Monzo app, so the sweep into it is paused. "
        "Choose another pot for it to start again."
    )
    assert decision.new_state is None


# -- next_slot ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "now", "payday", "expected"),
    [
        ({}, T0 - timedelta(hours=1), None, T0),
        ({}, T0, None, T0 + timedelta(days=1)),
        ({"schedule": "weekly", "weekday": 1}, T0, None, T0 + timedelta(days=7)),
        ({"schedule": "weekly", "weekday": 4}, T0, None, T0 + timedelta(days=3)),
        ({"schedule": "before_payday"}, T0, CHRISTMAS, london(2026, 12, 24)),
        ({"schedule": "before_payday"}, london(2026, 12, 24, 21), CHRISTMAS, None),
        ({"schedule": "before_payday"}, T0, None, None),
        # Across the March change: 20:00 BST is 19:00 UTC.
        (
            {},
            datetime(2026, 3, 28, 21, 0, tzinfo=UTC),
            None,
            datetime(2026, 3, 29, 19, 0, tzinfo=UTC),
        ),
        # 01:30 does not happen on 29 March in London: taken as 02:30 BST.
        (
            {"time": "01:30"},
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            None,
            datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
        ),
        # 01:30 happens twice on 25 October: its first occurrence, 01:30 BST.
        (
            {"time": "01:30"},
            datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
            None,
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
    ],
    ids=[
        "later-today",
        "at-the-slot-the-next-is-tomorrow",
        "weekly-a-week-on",
        "weekly-friday",
        "day-before-payday",
        "past-the-eve-unknown",
        "no-payday",
        "march-change",
        "skipped-time",
        "repeated-time",
    ],
)
def test_next_slot(
    config: dict[str, Any], now: datetime, payday: date | None, expected: datetime | None
) -> None:
    assert next_slot(sweep_config(**config), now, "Europe/London", payday) == expected


def test_the_slot_is_due_exactly_when_next_slot_says() -> None:
    config = sweep_config(time="01:30")
    at = next_slot(config, datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "Europe/London", None)
    assert at is not None
    before = decide_sweep(config, sweep_inputs(now=at - timedelta(seconds=1)))
    on_time = decide_sweep(config, sweep_inputs(now=at))
    assert (before.reason, on_time.reason) == ("not_due", "swept")


def test_next_slot_skips_the_slot_handled() -> None:
    config = sweep_config()
    morning = T0 - timedelta(hours=10)
    assert next_slot(config, morning, "Europe/London", None) == T0
    assert next_slot(config, morning, "Europe/London", None, handled=TODAY) == T0 + timedelta(
        days=1
    )


def test_slots_are_in_the_users_zone() -> None:
    config = sweep_config()
    # 20:00 in New York on 22 December is 01:00 UTC on the 23rd.
    at = next_slot(config, T0, "America/New_York", None)
    assert at == datetime(2026, 12, 23, 1, 0, tzinfo=UTC)
    assert sweep(now=at, tz="America/New_York").figures["slot"] == "2026-12-22"


# -- the config -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pot_id": ""}, "pot_id"),
        ({"threshold": -1}, "threshold"),
        ({"threshold": 10.5}, "threshold"),
        ({"threshold": True}, "threshold"),
        ({"keep_for_bills": "yes"}, "keep_for_bills"),
        ({"schedule": "hourly"}, "schedule"),
        ({"time": "24:00"}, "time"),
        ({"time": "8:00"}, "time"),
        ({"time": "20:60"}, "time"),
        ({"schedule": "weekly"}, "weekday"),
        ({"schedule": "weekly", "weekday": 7}, "weekday"),
        ({"weekday": 2}, "weekday"),
        ({"round_to": 0}, "round_to"),
        ({"round_to": 100_001}, "round_to"),
        ({"max_transfer": 0}, "max_transfer"),
        ({"max_per_day": 10_000_001}, "max_per_day"),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={v[k]}" for k in v),
)
def test_a_bad_config_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRuleConfig, match=field):
        sweep_config(**changes)


def test_config_round_trips_through_the_api_shape() -> None:
    config = sweep_config(schedule="weekly", weekday=6, time="07:15", round_to=1)
    assert SweepConfig.from_dict(config.to_dict()) == config
    assert config.to_dict()["schedule"] == "weekly"
    with pytest.raises(InvalidRuleConfig, match="unknown config field"):
        SweepConfig.from_dict({**config.to_dict(), "colour": "red"})
    with pytest.raises(InvalidRuleConfig, match="threshold"):
        SweepConfig.from_dict({"pot_id": POT, "schedule": "daily"})


@pytest.mark.parametrize(
    "changes",
    [
        {"available": 1.5},
        {"pot_balance": -1},
        {"bills_due": -1},
        {"moved_today": -1},
        {"now": datetime(2026, 12, 22, 20, 0)},  # noqa: DTZ001 - a naive time, refused
        {"next_payday": datetime(2026, 12, 25, tzinfo=UTC)},
        {"tz": "Mars/Olympus"},
        {"currency": "gbp"},
    ],
    ids=["float", "pot", "bills", "moved", "naive", "payday-time", "zone", "currency"],
)
def test_bad_inputs_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidSweepInput):
        sweep_inputs(**changes)


# -- the stored state -----------------------------------------------------------------------


def test_a_stored_state_keeps_loading() -> None:
    stored = {"version": 1, "last_slot": "2026-12-22"}
    state = SweepState.from_dict(json.loads(json.dumps(stored)))
    assert state == HANDLED_TODAY
    assert state.to_dict() == stored
    assert SweepState.from_dict({"version": 1, "last_slot": None}) == SweepState()
    assert SweepState.from_dict({**stored, "added_later": 1}) == HANDLED_TODAY


@pytest.mark.parametrize(
    "stored",
    [
        {"version": 2, "last_slot": None},
        {"last_slot": None},
        {"version": 1},
        {"version": 1, "last_slot": 20261222},
        {"version": 1, "last_slot": "22/12/2026"},
    ],
    ids=["unknown-version", "no-version", "no-slot", "not-a-string", "not-iso"],
)
def test_an_unreadable_state_is_refused(stored: dict[str, Any]) -> None:
    with pytest.raises(InvalidSweepState):
        SweepState.from_dict(stored)
