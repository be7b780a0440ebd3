"""Chart geometry for the server-rendered SVG charts (templates/_charts.html).

Pixels are worked out here, amounts stay integers of minor units; the templates
draw, colour through CSS custom properties (so dark mode works) and write the
text alternatives. No script runs in the browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from potwise.domain.money import Money, currency_symbol, minor_exponent


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str  # the amount as people read it
    x: float
    y: float
    width: float
    height: float
    selected: bool = False
    href: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class ColumnChart:
    """Vertical bars over time (months)."""

    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    bars: list[Bar]
    ticks: list[Tick]
    baseline: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars with labels (categories)."""

    width: int
    height: int
    label_width: float
    bars: list[Bar]


def _nice_ceiling(value: int) -> int:
    """A round top for an axis: 1, 2, 2.5 or 5 times a power of ten (in minor units)."""
    if value <= 0:
        return 100
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for top in (magnitude, 2 * magnitude, 25 * magnitude // 10, 5 * magnitude):
        if top >= value:
            return top
    return 10 * magnitude


def axis_money(minor: int, currency: str) -> str:
    """Axis labels in whole units, thousands as k: `£0`, `£250`, `£1.5k`, `-£2k`; short
    enough to stay legible where a chart is drawn small."""
    symbol = currency_symbol(currency) or ""
    suffix = "" if symbol else f" {currency}"
    sign = "-" if minor < 0 else ""
    whole = abs(minor) // 10 ** minor_exponent(currency)
    if whole >= 1000:
        thousands, rest = divmod(whole, 1000)
        decimal = f".{rest // 100}" if rest // 100 else ""
        return f"{sign}{symbol}{thousands}{decimal}k{suffix}"
    return f"{sign}{symbol}{whole}{suffix}"


def column_chart(
    items: list[tuple[str, int, bool, str | None]],
    currency: str,
    *,
    width: int = 720,
    height: int = 260,
) -> ColumnChart:
    """Bars for ``(label, value, selected, href)``; negative values (refunds beyond
    spending) are drawn as empty bars at the baseline, their amount still written."""
    left, right, top, bottom = 56.0, 8.0, 12.0, 36.0
    plot_height = height - top - bottom
    top_value = _nice_ceiling(max([v for _, v, _, _ in items] + [0]))
    slot = (width - left - right) / max(1, len(items))
    bar_width = slot * 0.62
    bars = []
    for index, (label, value, selected, href) in enumerate(items):
        shown = max(0, value)
        bar_height = plot_height * shown / top_value
        bars.append(
            Bar(
                label=label,
                value=value,
                text=Money(value, currency).format(),
                x=round(left + slot * index + (slot - bar_width) / 2, 1),
                y=round(top + plot_height - bar_height, 1),
                width=round(bar_width, 1),
                height=round(bar_height, 1),
                selected=selected,
                href=href,
            )
        )
    ticks = [
        Tick(
            y=round(top + plot_height - plot_height * k / 4, 1),
            text=axis_money(top_value * k // 4, currency),
        )
        for k in range(5)
    ]
    return ColumnChart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=top + plot_height,
        plot_left=left,
        bars=bars,
        ticks=ticks,
        baseline=top + plot_height,
    )


def bar_chart(
    items: list[tuple[str, int, str]],
    currency: str,
    *,
    width: int = 720,
    row: int = 30,
) -> BarChart:
    """Horizontal bars for ``(label, value, note)``, largest first as given."""
    label_width = 170.0
    value_width = 110.0
    track = width - label_width - value_width
    top_value = max([v for _, v, _ in items] + [1])
    bars = []
    for index, (label, value, note) in enumerate(items):
        length = track * max(0, value) / top_value
        bars.append(
            Bar(
                label=label,
                value=value,
                text=Money(value, currency).format(),
                x=label_width,
                y=index * row + 6,
                width=round(max(length, 1.0 if value > 0 else 0.0), 1),
                height=row - 12,
                note=note,
            )
        )
    return BarChart(
        width=width,
        height=max(row, len(items) * row),
        label_width=label_width,
        bars=bars,
    )
