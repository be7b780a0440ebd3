"""Axis labels short enough to read where a chart is drawn small (a phone's width)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from potwise.domain.cashflow import Forecast
from potwise.domain.cashflow.forecast import ForecastDay
from potwise.web.ui.charts import axis_money, column_chart
from potwise.web.ui.forecast_chart import line_chart


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (0, "GBP", "£0"),
        (25_000, "GBP", "£250"),
        (150_000, "GBP", "£1.5k"),
        (600_000, "GBP", "£6k"),
        (-200_000, "GBP", "-£2k"),
        (-50_099, "GBP", "-£500"),
        (1_000, "JPY", "¥1k"),
        (120_000, "CHF", "1.2k CHF"),
    ],
)
def test_axis_money_is_whole_units_with_thousands_as_k(
    minor: int, currency: str, text: str
) -> None:
    assert axis_money(minor, currency) == text


def test_column_chart_ticks_are_short() -> None:
    chart = column_chart([("Jan 2026", 137_017, True, None)], "GBP")
    assert [t.text for t in chart.ticks] == ["£0", "£500", "£1k", "£1.5k", "£2k"]


def test_forecast_ticks_are_short_and_signed_markers_keep_pence() -> None:
    start = date(2026, 12, 1)
    balances = [250_000, 120_050, -60_000, 10_000]
    days = tuple(
        ForecastDay(
            date=start + timedelta(days=i),
            balance=b,
            low=b - 5_000,
            high=b + 5_000,
            accounts=(),
            items=(),
            everyday=0,
        )
        for i, b in enumerate(balances)
    )
    forecast = Forecast(
        days=days,
        low_point=(start + timedelta(days=2), -60_000),
        first_below_zero=start + timedelta(days=2),
        first_below_overdraft=None,
        overdraft_limit=0,
    )
    chart = line_chart(forecast)
    labels = [t.label for t in chart.ticks]
    assert labels == ["-£1k", "£0", "£1k", "£2k", "£3k"]
    assert all(len(label) <= 6 for label in labels)
    assert chart.low_point.label == "Low point -£600.00 on 3 Dec"
