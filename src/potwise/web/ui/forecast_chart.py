"""Geometry of the forecast's line chart (templates/_forecast_chart.html).

The balance is a line, the likely range a band around it, zero and the
overdraft limit dashed lines; the low point and the first breach are marked.
Pixels are worked out here; the template draws, CSS custom properties colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from potwise.domain.cashflow import Forecast
from potwise.domain.money import Money
from potwise.web.ui.charts import axis_money

WIDTH = 760
HEIGHT = 300
LEFT = 72
RIGHT = 12
TOP = 16
BOTTOM = 36


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Guide:
    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    line: str  # SVG points
    band: str  # SVG polygon points
    ticks: list[Guide]
    x_labels: list[tuple[float, str]]
    zero: Guide | None
    overdraft: Guide | None
    low_point: Marker
    breach: Marker | None


def _fmt(minor: int) -> str:
    return Money(minor, "GBP").format()


def _step(span: int) -> int:
    raw = max(span // 4, 1)
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for m in (1, 2, 5, 10):
        if m * magnitude >= raw:
            return m * magnitude
    return 10 * magnitude


def line_chart(result: Forecast) -> LineChart:
    """Lay the forecast out on a WIDTH x HEIGHT canvas."""
    days = result.days
    lows = [d.low for d in days]
    highs = [d.high for d in days]
    floor = min(*lows, 0, -result.overdraft_limit if result.overdraft_limit else 0)
    ceiling = max(*highs, 0)
    if ceiling == floor:
        ceiling = floor + 100
    step = _step(ceiling - floor)
    floor = (floor // step) * step
    ceiling = -((-ceiling) // step) * step
    right = WIDTH - RIGHT
    bottom = HEIGHT - BOTTOM
    count = max(len(days) - 1, 1)

    def x(index: int) -> float:
        return round(LEFT + (right - LEFT) * index / count, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - TOP) * (value - floor) / (ceiling - floor), 1)

    line = " ".join(f"{x(i)},{y(d.balance)}" for i, d in enumerate(days))
    upper = [f"{x(i)},{y(d.high)}" for i, d in enumerate(days)]
    lower = [f"{x(i)},{y(d.low)}" for i, d in reversed(list(enumerate(days)))]
    ticks = [Guide(y(v), axis_money(v, "GBP")) for v in range(floor, ceiling + 1, step)]
    label_every = max(len(days) // 6, 1)
    x_labels = [
        (x(i), f"{d.date.day} {d.date:%b}") for i, d in enumerate(days) if i % label_every == 0
    ]
    index_of = {d.date: i for i, d in enumerate(days)}

    def marker(on: date, label: str) -> Marker:
        i = index_of[on]
        return Marker(x(i), y(days[i].balance), label)

    low_on, low_value = result.low_point
    breach = result.breach
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        line=line,
        band=" ".join(upper + lower),
        ticks=ticks,
        x_labels=x_labels,
        zero=Guide(y(0), _fmt(0)) if floor < 0 < ceiling or floor == 0 else None,
        overdraft=Guide(y(-result.overdraft_limit), "Overdraft limit")
        if result.overdraft_limit
        else None,
        low_point=marker(low_on, f"Low point {_fmt(low_value)} on {low_on.day} {low_on:%b}"),
        breach=marker(breach, f"Below zero on {breach.day} {breach:%b}") if breach else None,
    )
