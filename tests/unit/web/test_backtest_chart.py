"""The backtest chart's geometry: axis labels people read, zero always on the axis, the
months across, and the lowest points where the lines are."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from potwise.domain.backtest import DayBalance
from potwise.web.ui.backtest_chart import BOTTOM, TOP, balance_chart, short_amount

START = date(2026, 1, 15)


def _days(
    currents: list[int], *, lows: dict[int, int] | None = None, start: date = START
) -> list[DayBalance]:
    """A day per amount from `start`: with the rule as given, without it £100 more."""
    lows = lows or {}
    return [
        DayBalance(
            on=start + timedelta(days=i),
            current=value,
            current_without=value + 100_00,
            low=lows.get(i, value),
            low_without=value + 100_00,
            pots={},
        )
        for i, value in enumerate(currents)
    ]


@pytest.mark.parametrize(
    ("minor", "text"),
    [
        (0, "£0"),
        (250_00, "£250"),
        (1_000_00, "£1k"),
        (1_500_00, "£1.5k"),
        (12_000_00, "£12k"),
        (1_050_00, "£1,050"),
        (-500_00, "-£500"),
        (-2_500_00, "-£2.5k"),
    ],
    ids=[
        "zero",
        "hundreds",
        "thousand",
        "and-a-half",
        "tens-of-thousands",
        "finer",
        "minus",
        "minus-thousands",
    ],
)
def test_axis_labels_are_short_and_never_alike(minor: int, text: str) -> None:
    assert short_amount(minor, "GBP") == text


def test_zero_is_on_the_axis_even_when_the_account_never_nears_it() -> None:
    chart = balance_chart(_days([5_000_00, 6_000_00, 5_500_00]), START, START, "GBP")
    assert chart.ticks[0].text == "£0" and chart.zero == BOTTOM
    assert chart.ticks[-1].y == TOP
    assert [t.text for t in chart.ticks][-1] in {"£6k", "£6.5k", "£7k", "£8k"}
    assert all(TOP <= t.y <= BOTTOM for t in chart.ticks)


def test_each_line_has_a_point_a_day_in_days_across() -> None:
    chart = balance_chart(_days([100_00, -50_00, 0]), START, START, "GBP")
    with_rule = [tuple(map(float, p.split(","))) for p in chart.with_rule.split()]
    without = [tuple(map(float, p.split(","))) for p in chart.without_rule.split()]
    assert [x for x, _ in with_rule] == [0, 1, 2] and chart.span == 2
    assert with_rule[2][1] == chart.zero  # the third day ends at zero
    assert all(w[1] < r[1] for w, r in zip(without, with_rule, strict=True))  # £100 higher


def test_the_lowest_point_is_marked_at_its_day_and_its_low() -> None:
    days = _days([300_00] * 11, lows={5: -20_00})
    chart = balance_chart(days, days[5].on, days[0].on, "GBP")
    assert chart.lowest.x == 50.0
    assert chart.lowest.y > chart.zero  # below zero is further down
    assert chart.lowest.label == "Lowest with the rule: -£20.00 on 20 Jan 2026"
    assert chart.lowest_without.x == 0.0
    assert chart.lowest_without.label.startswith("Lowest without the rule: £400.00")


def test_months_are_named_at_their_first_day_fewer_on_a_phone() -> None:
    year = _days([100_00] * 366, start=date(2026, 6, 15))
    months = balance_chart(year, year[0].on, year[0].on, "GBP").months
    assert [m.text for m in months][:3] == ["Jul", "Aug", "Sep"]
    assert "Jan 27" in [m.text for m in months]  # a new year says which
    assert all(4 <= m.x <= 96 for m in months)  # none cut off at an edge
    assert len(months) > 6 and [m.minor for m in months][:4] == [False, True, False, True]
    quarter = balance_chart(year[:92], year[0].on, year[0].on, "GBP").months
    assert [m.text for m in quarter] == ["Jul", "Aug", "Sep"]
    assert not any(m.minor for m in quarter)
