"""The spending page: a month's spending with a year of months, categories, merchants
(and their transactions), credit cards against cash. Charts are SVG drawn here on the
server (see charts.py and templates/_charts.html). Budgets are in budget_pages.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from potwise import clock
from potwise.domain.merchants import merchant_name
from potwise.domain.spending import (
    Breakdown,
    GroupBy,
    Window,
    add_months,
    days_label,
    month_key,
    month_label,
    month_start,
    months_ending,
)
from potwise.services.insight import own_categories, spending
from potwise.web.security import Db, zone_of
from potwise.web.ui import charts
from potwise.web.ui.access import PageCaller
from potwise.web.ui.category_display import labeller
from potwise.web.ui.render import render

router = APIRouter(include_in_schema=False)

MONTH_CHOICES = 24
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _month_from(text: str | None, today: date) -> date:
    """The month asked for (`2026-04`), within the last two years; else this month."""
    this_month = month_start(today)
    match = MONTH_RE.match(text or "")
    if match is None:
        return this_month
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return this_month
    chosen = date(year, month, 1)
    oldest = add_months(this_month, -(MONTH_CHOICES - 1))
    return chosen if oldest <= chosen <= this_month else this_month


@dataclass(frozen=True)
class MonthShown:
    """The month on the page, for one user, in their zone and their main currency."""

    user_id: str
    zone: ZoneInfo
    currency: str
    start: date
    #: The first day not shown: the next month's first, or tomorrow for this month.
    until: date

    @property
    def window(self) -> Window:
        return Window(self.start, self.until)

    @property
    def so_far(self) -> bool:
        """The month is this one, still running: it is shown up to today."""
        return self.until != add_months(self.start, 1)

    @property
    def key(self) -> str:
        return month_key(self.start)


def _breakdown(db: Db, shown: MonthShown, group_by: GroupBy, window: Window) -> Breakdown:
    return spending.breakdown(
        db,
        shown.user_id,
        group_by=group_by,
        window=window,
        zone=shown.zone,
        currency=shown.currency,
    )


def _charts(shown: MonthShown, year: Breakdown, categories: Breakdown) -> dict[str, Any]:
    """The year's months as columns (each a link to its month), the month's categories as bars."""
    column = charts.column_chart(
        [
            (g.label, g.amount, g.key == shown.key, f"/spending?month={g.key}#month-summary")
            for g in year.groups
        ],
        shown.currency,
    )
    category_chart = charts.bar_chart(
        [(g.label, g.amount, f"{g.count} payments") for g in categories.groups if g.amount > 0],
        shown.currency,
    )
    return {"column": column, "category_chart": category_chart}


def _drill(
    db: Db, shown: MonthShown, merchants: Breakdown, merchant_key: str | None
) -> dict[str, Any] | None:
    """One merchant's transactions in the month, when the address names a merchant."""
    if not merchant_key:
        return None
    merchant_key = merchant_key[:200]
    return {
        "key": merchant_key,
        "label": next(
            (g.label for g in merchants.groups if g.key == merchant_key),
            merchant_name(merchant_key),
        ),
        "rows": spending.merchant_transactions(
            db,
            shown.user_id,
            merchant=merchant_key,
            window=shown.window,
            zone=shown.zone,
            currency=shown.currency,
        ),
    }


def _navigation(month: date, today: date) -> dict[str, Any]:
    """The months to choose from (the last two years), and the months either side."""
    this_month = month_start(today)
    earlier = add_months(month, -1)
    return {
        "choices": [
            (month_key(w.start), month_label(w.start))
            for w in reversed(months_ending(today, MONTH_CHOICES))
        ],
        "previous_month": month_key(earlier)
        if earlier >= add_months(this_month, -(MONTH_CHOICES - 1))
        else None,
        "next_month": month_key(add_months(month, 1)) if month < this_month else None,
    }


def _comparison(shown: MonthShown, year: Breakdown, categories: Breakdown) -> dict[str, Any]:
    """The month's total and what it is compared with, like with like: a whole month
    with the month before, this month so far with the same days of last month (its
    total then comes from the breakdown over those days, which carries that change)."""
    if shown.so_far:
        return {
            "selected": categories.total,
            "so_far": categories.total,
            "compared_with": days_label(categories.previous_window),
            "shown_days": days_label(categories.window),
        }
    before = year.groups[-2].label if len(year.groups) > 1 else "the month before"
    return {"selected": year.groups[-1], "so_far": None, "compared_with": before}


def _month_filter(shown: MonthShown, category: str) -> dict[str, str]:
    """The transactions filter for one category in the month shown."""
    last_day = shown.window.end - timedelta(days=1)
    return {"category": category, "since": shown.start.isoformat(), "until": last_day.isoformat()}


@router.get("/spending", response_class=HTMLResponse)
def spending_page(request: Request, caller: PageCaller, db: Db) -> Response:
    user_id = caller.user.id
    zone = zone_of(request, caller)
    today = clock.now().astimezone(zone).date()
    currency = spending.currencies(db, user_id)[0]
    month = _month_from(request.query_params.get("month"), today)
    # This month is shown up to today and compared with the same days of last month.
    until = min(add_months(month, 1), today + timedelta(days=1))
    shown = MonthShown(user_id, zone, currency, month, until)
    months = months_ending(month, 12)
    year = _breakdown(db, shown, GroupBy.MONTH, Window(months[0].start, months[-1].end))
    names = own_categories.names(db, user_id)
    categories = own_categories.with_names(
        db, user_id, _breakdown(db, shown, GroupBy.CATEGORY, shown.window)
    )
    merchants = _breakdown(db, shown, GroupBy.MERCHANT, shown.window)
    mkey = shown.key
    return render(
        request,
        "spending.html",
        caller,
        active="spending",
        currency=currency,
        month=month,
        month_key=mkey,
        month_name=month.strftime("%B %Y"),
        **_navigation(month, today),
        year=year,
        **_comparison(shown, year, categories),
        categories=categories,
        merchants=merchants,
        **_charts(shown, year, categories),
        drill=_drill(db, shown, merchants, request.query_params.get("merchant")),
        zone=zone,
        category_label=labeller(names),
        category_url=lambda key: "/transactions?" + urlencode(_month_filter(shown, key)),
        drill_url=lambda key: (
            "/spending?" + urlencode({"month": mkey, "merchant": key}) + "#merchant-detail"
        ),
    )
