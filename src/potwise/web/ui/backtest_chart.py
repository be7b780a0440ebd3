"""Geometry of a backtest's balance chart (templates/_backtest_chart.html): the current
account day by day with the rule and without it, the zero line, and each line's lowest
point.

A phone is narrow and a desktop wide, so the chart is not one scaled picture (its text
would shrink to nothing at 390 px): the lines are drawn in a plot stretched to the
chart's width, while the text and the markers stay at their own size, placed in
pixels down and in percent across. Amounts stay integers of pence here; the template
draws and CSS custom properties colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from potwise.domain.backtest import DayBalance
from potwise.domain.money import Money, currency_symbol, minor_exponent

HEIGHT = 260
TOP = 16
BOTTOM = 228  # where the plot ends; the months are written below it
#: Month names written this close to either edge (in percent) are left out: they
#: would be cut off.
EDGE = 4.0
#: More month names than this, and every other one is left out on a phone.
MONTHS_ON_A_PHONE = 6


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class MonthTick:
    """A month's first day: ``x`` in percent of the plot's width."""

    x: float
    text: str
    minor: bool  # left out on a narrow screen


@dataclass(frozen=True)
class Marker:
    """A point: ``x`` in percent of the width, ``y`` in pixels."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class BalanceChart:
    height: int
    span: int  # the plot's width in days (its viewBox is ``span`` x ``height``)
    with_rule: str  # SVG points, x in days, y in pixels
    without_rule: str
    ticks: list[Tick]
    months: list[MonthTick]
    zero: float
    lowest: Marker
    lowest_without: Marker


def short_amount(minor: int, currency: str) -> str:
    """Axis labels in whole units, round thousands as k: `£0`, `£250`, `£1.5k`, `-£500`,
    `£1,050` (a step finer than a hundred is written out, or two labels would read alike)."""
    symbol = currency_symbol(currency) or ""
    suffix = "" if symbol else f" {currency}"
    sign = "-" if minor < 0 else ""
    whole = abs(minor) // 10 ** minor_exponent(currency)
    if whole >= 1000 and whole % 100 == 0:
        thousands, rest = divmod(whole, 1000)
        decimal = f".{rest // 100}" if rest else ""
        return f"{sign}{symbol}{thousands}{decimal}k{suffix}"
    return f"{sign}{symbol}{whole:,}{suffix}"


def _step(span: int) -> int:
    """A round step for about four gridlines: 1, 2 or 5 times a power of ten."""
    raw = max(span // 4, 1)
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for m in (1, 2, 5):
        if m * magnitude >= raw:
            return m * magnitude
    return 10 * magnitude


def _range(days: Sequence[DayBalance]) -> tuple[int, int, int]:
    """The axis' bottom, top and step, zero always within it."""
    values = [v for d in days for v in (d.current, d.current_without, d.low, d.low_without)]
    floor, ceiling = min(*values, 0), max(*values, 0)
    if ceiling == floor:
        ceiling = floor + 100_00
    step = _step(ceiling - floor)
    return (floor // step) * step, -((-ceiling) // step) * step, step


def _months(days: Sequence[DayBalance], span: int) -> list[MonthTick]:
    starts = [
        (round(100 * i / span, 2), d.on) for i, d in enumerate(days) if d.on.day == 1 and i > 0
    ]
    shown = [(x, on) for x, on in starts if EDGE <= x <= 100 - EDGE]
    crowded = len(shown) > MONTHS_ON_A_PHONE
    return [
        MonthTick(x, f"{on:%b}" if on.month != 1 else f"{on:%b} {on:%y}", crowded and n % 2 == 1)
        for n, (x, on) in enumerate(shown)
    ]


def _when(on: date) -> str:
    return f"{on.day} {on:%b %Y}"


def balance_chart(
    days: Sequence[DayBalance], lowest: date, lowest_without: date, currency: str
) -> BalanceChart:
    """Lay out ``days`` (at least one, in order); ``lowest``/``lowest_without`` are the
    days the current account went lowest with the rule and without it."""
    floor, ceiling, step = _range(days)
    span = max(len(days) - 1, 1)

    def y(value: int) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * (value - floor) / (ceiling - floor), 1)

    def marker(on: date, low: int, whose: str) -> Marker:
        index = next(i for i, d in enumerate(days) if d.on == on)
        words = f"Lowest {whose}: {Money(low, currency).format()} on {_when(on)}"
        return Marker(round(100 * index / span, 2), y(low), words)

    low = next(d for d in days if d.on == lowest)
    low_without = next(d for d in days if d.on == lowest_without)
    return BalanceChart(
        height=HEIGHT,
        span=span,
        with_rule=" ".join(f"{i},{y(d.current)}" for i, d in enumerate(days)),
        without_rule=" ".join(f"{i},{y(d.current_without)}" for i, d in enumerate(days)),
        ticks=[Tick(y(v), short_amount(v, currency)) for v in range(floor, ceiling + 1, step)],
        months=_months(days, span),
        zero=y(0),
        lowest=marker(lowest, low.low, "with the rule"),
        lowest_without=marker(lowest_without, low_without.low_without, "without the rule"),
    )
