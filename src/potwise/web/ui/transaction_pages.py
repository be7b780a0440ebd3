"""The transactions page: filters, one page at a time (newest first), and the outcome of
a change just made on a row (the forms themselves are in transaction_forms.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.datastructures import QueryParams
from fastapi.responses import HTMLResponse, Response

from potwise.db.models import Transaction
from potwise.domain.category_names import default_name
from potwise.domain.errors import DomainError
from potwise.services import mirror
from potwise.services.cashflow import lookups
from potwise.services.insight import own_categories, row_choices
from potwise.web.security import Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.bank_display import formatter, label
from potwise.web.ui.cashflow_pages import CADENCE_NAMES
from potwise.web.ui.category_display import labeller
from potwise.web.ui.render import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50

TRANSACTION_STATUS_CHOICES = (
    ("", "Any status"),
    ("pending", "Pending"),
    ("settled", "Settled"),
    ("declined", "Declined"),
)
CLASSIFICATION_LABELS = {
    "spending": "Spending",
    "income": "Income",
    "internal_transfer": "Transfer between your accounts",
    "card_repayment": "Card repayment",
    "pot_move": "Pot move",
}
_SAVED = {
    "category": ("success", "Saved. Your choice stays, whatever the next sync brings."),
    "applied": ("success", "Applied to every transaction of that merchant, past and future."),
    "dismissed": ("info", "Understood: that suggestion will not be offered again."),
    "category_refused": (
        "error",
        "Nothing was changed: choose a category and what it counts as from the lists.",
    ),
    "recurring_refused": (
        "error",
        "Nothing was marked: choose how often it repeats from the list.",
    ),
}


class BadFilter(DomainError):
    code = "invalid_filter"


def _parse_day(value: str, what: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"The {what} date is not a date; use the format 2026-11-03.") from None
    if not mirror.EARLIEST.date() <= day < mirror.LATEST.date():
        raise BadFilter(f"The {what} date {mirror.OUT_OF_RANGE}.")
    return day


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of `day` in the user's zone, as an aware UTC time."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _form(params: QueryParams) -> dict[str, str]:
    """The filters as typed, trimmed (the search to 200 characters)."""
    return {
        "q": params.get("q", "").strip()[:200],
        "account": params.get("account", "").strip(),
        "status": params.get("status", "").strip(),
        "category": params.get("category", "").strip()[:64],
        "since": params.get("since", "").strip(),
        "until": params.get("until", "").strip(),
    }


def _filters(form: dict[str, str], choices: Choices, zone: ZoneInfo) -> mirror.TransactionFilter:
    """What the filters ask for, or `BadFilter` saying what to correct."""
    if form["account"] and form["account"] not in choices.accounts:
        raise BadFilter("Choose one of your accounts.")
    if form["category"] and form["category"] not in choices.categories:
        raise BadFilter("Choose a category from the list.")
    if form["status"] not in {value for value, _ in TRANSACTION_STATUS_CHOICES}:
        raise BadFilter("Choose a status from the list.")
    since = _parse_day(form["since"], "\u201cfrom\u201d")
    until = _parse_day(form["until"], "\u201cto\u201d")
    if since and until and since > until:
        raise BadFilter("The \u201cfrom\u201d date is after the \u201cto\u201d date.")
    return mirror.TransactionFilter(
        account_id=form["account"] or None,
        since=_midnight(since, zone) if since else None,
        # "To" includes that whole day: up to the next local midnight.
        until=_midnight(until + timedelta(days=1), zone) if until else None,
        query=form["q"] or None,
        status=form["status"] or None,
        category=form["category"] or None,
    )


@dataclass(frozen=True)
class Choices:
    """What the filters choose from: the user's accounts and categories, each key → name."""

    accounts: dict[str, str]
    categories: dict[str, str]


@dataclass(frozen=True)
class Listing:
    """One page of transactions, the cursor to the next older page, or why there is none;
    with filters, what everything they find adds up to (every page, not this one)."""

    rows: list[Transaction]
    next_cursor: str | None = None
    error: str | None = None
    summary: mirror.Summary | None = None


def _listing(
    db: Db,
    user_id: str,
    form: dict[str, str],
    choices: Choices,
    zone: ZoneInfo,
    cursor: str | None,
) -> Listing:
    try:
        filters = _filters(form, choices, zone)
        rows, next_cursor = mirror.list_transactions(
            db, user_id, filters, limit=PAGE_SIZE, cursor=cursor
        )
        filtered = any(form.values())
        summary = mirror.summarise(db, user_id, filters) if filtered else None
    except DomainError as exc:
        return Listing(rows=[], error=exc.message)
    return Listing(rows=rows, next_cursor=next_cursor, summary=summary)


def _outcome_flash(saved: str) -> dict[str, Any]:
    message = _SAVED.get(saved)
    return {"flash": message} if message else {}


def _category_options(
    listed: list[tuple[str, str]], rows: list[Transaction]
) -> list[tuple[str, str]]:
    """(key, name) of the user's categories, built in and their own (`listed`), and of
    any other a row on this page carries, by name."""
    known = {key for key, _ in listed}
    extra = {t.category for t in rows if t.category and t.category not in known}
    others = [(key, default_name(key)) for key in sorted(extra)]
    return sorted(listed + others, key=lambda pair: (pair[1].casefold(), pair[0]))


def _addresses(kept: dict[str, str], cursor: str | None, next_cursor: str | None) -> dict[str, Any]:
    """Where "older", "newest" and a row's form lead back to, filters kept."""
    newest_url = f"/transactions?{urlencode(kept)}" if kept else "/transactions"
    return {
        "older_url": f"/transactions?{urlencode({**kept, 'cursor': next_cursor})}"
        if next_cursor
        else None,
        "newest_url": newest_url if cursor else None,
        "back": f"/transactions?{urlencode({**kept, 'cursor': cursor})}" if cursor else newest_url,
    }


@router.get("/transactions", response_class=HTMLResponse)
def transactions_page(request: Request, caller: PageCaller, db: Db) -> Response:
    user_id = caller.user.id
    zone = zone_of(request, caller)
    params = request.query_params
    form = _form(params)
    cursor = params.get("cursor", "").strip() or None
    names = mirror.account_names(db, user_id)
    category_names = own_categories.names(db, user_id)
    listed = own_categories.options(db, user_id)
    listing = _listing(db, user_id, form, Choices(names, category_names), zone, cursor)
    kept = {key: value for key, value in form.items() if value}
    changed = row_choices.just_changed(db, user_id, params.get("changed", "").strip())
    recurring = lookups.own_commitment(db, user_id, params.get("recurring", "").strip())
    return render(
        request,
        "transactions.html",
        caller,
        status_code=400 if listing.error else 200,
        active="transactions",
        category_options=_category_options(listed, listing.rows),
        filter_categories=listed,
        category_label=labeller(category_names),
        summary=listing.summary,
        classification_labels=CLASSIFICATION_LABELS,
        changed=changed,
        recurring=recurring,
        cadence_names=CADENCE_NAMES,
        **_outcome_flash(params.get("saved", "")),
        error=listing.error,
        form=form,
        filtered=bool(kept),
        accounts=sorted(names.items(), key=lambda item: item[1].lower()),
        has_accounts=bool(names),
        account_names=names,
        statuses=TRANSACTION_STATUS_CHOICES,
        rows=listing.rows,
        names=mirror.transaction_names(db, user_id, listing.rows),
        **_addresses(kept, cursor, listing.next_cursor),
        when=formatter(zone),
        label=label,
    )
