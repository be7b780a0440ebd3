"""The refresh plan: when a card connection's few unattended calls a day are spent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from potwise.domain.refresh_plan import LATE_LIMIT, LONGEST_GAP, RETRY_AFTER, plan_for

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(UTC)


def test_four_calls_pay_for_one_whole_refresh_of_a_card_early_in_the_morning() -> None:
    plan = plan_for(4, 1)
    assert plan.times == (time(6, 30),)
    assert plan.calls_per_refresh == 3  # balance, pending, transactions


@pytest.mark.parametrize(
    ("allowance", "cards", "times"),
    [
        (0, 1, ()),
        (4, 2, ("06:30",)),  # not one whole refresh: one a day, what there is
        (6, 1, ("06:30",)),  # two would spend every call: keep one back
        (7, 1, ("06:30", "21:30")),
        (12, 1, ("06:30", "14:00", "21:30")),
        (10, 1, ("06:30", "14:00", "21:30")),
    ],
)
def test_the_plan_spends_whole_refreshes_and_keeps_calls_back(
    allowance: int, cards: int, times: tuple[str, ...]
) -> None:
    plan = plan_for(allowance, cards)
    assert tuple(t.strftime("%H:%M") for t in plan.times) == times
    assert plan.calls_per_refresh <= max(allowance, 1) or not plan.times


def test_a_refresh_is_due_once_per_slot() -> None:
    plan = plan_for(4, 1)
    before = at("2026-12-07T06:29")
    after = at("2026-12-07T06:31")
    yesterday = at("2026-12-06T06:31")
    assert not plan.due(before, LONDON, last_attempt=yesterday, last_failed=False, free_calls=4)
    assert plan.due(after, LONDON, last_attempt=yesterday, last_failed=False, free_calls=4)
    assert not plan.due(after, LONDON, last_attempt=after, last_failed=False, free_calls=4)
    assert plan.due(after, LONDON, last_attempt=None, last_failed=False, free_calls=4)


def test_a_refresh_waits_for_the_allowance_to_pay_for_it_whole() -> None:
    plan = plan_for(4, 1)
    now = at("2026-12-07T06:31")
    assert not plan.due(now, LONDON, last_attempt=None, last_failed=False, free_calls=2)
    assert plan.due(now, LONDON, last_attempt=None, last_failed=False, free_calls=3)


def test_a_failed_refresh_is_tried_again_after_a_while_not_at_once() -> None:
    plan = plan_for(4, 1)
    failed = at("2026-12-07T06:31")
    soon = failed + RETRY_AFTER - timedelta(minutes=1)
    later = failed + RETRY_AFTER
    assert not plan.due(soon, LONDON, last_attempt=failed, last_failed=True, free_calls=4)
    assert plan.due(later, LONDON, last_attempt=failed, last_failed=True, free_calls=4)
    assert not plan.due(later, LONDON, last_attempt=failed, last_failed=False, free_calls=4)


def test_slots_are_local_times_across_a_clock_change() -> None:
    plan = plan_for(4, 1)
    # Clocks go back on 25 October 2026: 06:30 is 05:30 UTC after, 06:30 UTC before... in BST.
    assert plan.slots_on(at("2026-10-24T12:00").date(), LONDON)[0].astimezone(UTC).hour == 5
    assert plan.slots_on(at("2026-10-26T12:00").date(), LONDON)[0].astimezone(UTC).hour == 6


def test_next_and_last_slot() -> None:
    plan = plan_for(7, 1)
    now = at("2026-12-07T12:00")
    assert plan.last_slot(now, LONDON) == at("2026-12-07T06:30")
    assert plan.next_slot(now, LONDON) == at("2026-12-07T21:30")
    late = at("2026-12-07T22:00")
    assert plan.next_slot(late, LONDON) == at("2026-12-08T06:30")
    early = at("2026-12-07T03:00")
    assert plan.last_slot(early, LONDON) == at("2026-12-06T21:30")


def test_a_slot_that_slipped_too_far_is_let_go_so_the_next_starts_on_time() -> None:
    plan = plan_for(4, 1)
    yesterday = at("2026-12-06T07:10")  # yesterday's refresh ran late
    slipped = at("2026-12-07T06:30") + LATE_LIMIT + timedelta(minutes=1)
    assert not plan.due(slipped, LONDON, last_attempt=yesterday, last_failed=False, free_calls=4)
    # Not when the card would go too long unread.
    long_ago = slipped - LONGEST_GAP
    assert plan.due(slipped, LONDON, last_attempt=long_ago, last_failed=False, free_calls=4)
    # A little late is still taken.
    late = at("2026-12-07T07:11")
    assert plan.due(late, LONDON, last_attempt=yesterday, last_failed=False, free_calls=4)
