"""Safe to spend and the daily forecast: how much is really the user's, and what comes next.

One module per sum, each with its rule in its docstring:

* :mod:`.inputs`: what both are computed from (balances, pots, set-asides);
* :mod:`.safe`: **safe to spend**, cash now minus everything committed before
  the next payday, with a breakdown that sums exactly to the amount;
* :mod:`.events`: the commitments' cash events, and what a credit-card pot
  gives back when its card is repaid;
* :mod:`.everyday`: the **everyday spending** estimate from the last months;
* :mod:`.forecast`: the **daily forecast** of the current accounts, with its
  likely (80 %) range.

Every name is importable from here.
"""

from potwise.domain.cashflow.events import CardCover, card_cover_events, commitment_events
from potwise.domain.cashflow.everyday import EverydaySpend, everyday_spend
from potwise.domain.cashflow.forecast import MAX_FORECAST_DAYS, Forecast, ForecastDay, forecast
from potwise.domain.cashflow.inputs import AccountBalance, InvalidHorizon, PotBalance, SetAside
from potwise.domain.cashflow.safe import BreakdownLine, SafeToSpend, safe_to_spend

__all__ = [
    "MAX_FORECAST_DAYS",
    "AccountBalance",
    "BreakdownLine",
    "CardCover",
    "EverydaySpend",
    "Forecast",
    "ForecastDay",
    "InvalidHorizon",
    "PotBalance",
    "SafeToSpend",
    "SetAside",
    "card_cover_events",
    "commitment_events",
    "everyday_spend",
    "forecast",
    "safe_to_spend",
]
