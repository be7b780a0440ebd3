"""The forms on a transaction's row: its category and classification, the merchant rule
a change suggests (apply or dismiss), and marking it as recurring. Each leads back to
the transactions page, filters kept, with the outcome shown there."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from potwise import clock
from potwise.services.cashflow import commitments
from potwise.services.errors import InvalidInput
from potwise.services.insight import choices, row_choices
from potwise.web.security import AppSettings, Db, zone_of
from potwise.web.ui.access import PageCaller

router = APIRouter(include_in_schema=False)

FormValue = Annotated[str, Form()]


def _back_to(back: str, **extra: str) -> str:
    """Only ever back to the transactions page (never an address from elsewhere)."""
    parts = urlsplit(back)
    query = parts.query if parts.path == "/transactions" and not parts.netloc else ""
    joined = "&".join(q for q in (query, urlencode(extra)) if q)
    return f"/transactions?{joined}" if joined else "/transactions"


@router.post("/transactions/{transaction_id}/category")
def recategorise(
    transaction_id: str,
    caller: PageCaller,
    db: Db,
    settings: AppSettings,
    category: FormValue = "",
    classification: FormValue = "",
    back: FormValue = "/transactions",
) -> Response:
    """The per-row form: a category and a classification, each the user's own or automatic."""
    try:
        row_choices.choose(
            db,
            caller.user.id,
            transaction_id,
            category=category,
            classification=classification,
            fallback_timezone=settings.timezone,
        )
    except InvalidInput:
        # Only a form changed by hand gets here (both fields are lists): say so in words.
        target = _back_to(back, saved="category_refused")
        return RedirectResponse(f"{target}#tx-{transaction_id}", status_code=303)
    target = _back_to(back, saved="category", changed=transaction_id)
    return RedirectResponse(f"{target}#tx-{transaction_id}", status_code=303)


@router.post("/transactions/suggestions/apply")
def apply_suggestion(
    caller: PageCaller,
    db: Db,
    settings: AppSettings,
    merchant_key: FormValue = "",
    category: FormValue = "",
    back: FormValue = "/transactions",
) -> Response:
    choices.apply_suggestion(
        db, caller.user.id, merchant_key, category, fallback_timezone=settings.timezone
    )
    return RedirectResponse(_back_to(back, saved="applied"), status_code=303)


@router.post("/transactions/suggestions/dismiss")
def dismiss_suggestion(
    caller: PageCaller,
    db: Db,
    merchant_key: FormValue = "",
    category: FormValue = "",
    back: FormValue = "/transactions",
) -> Response:
    choices.dismiss_suggestion(db, caller.user.id, merchant_key, category)
    return RedirectResponse(_back_to(back, saved="dismissed"), status_code=303)


@router.post("/transactions/{transaction_id}/recurring")
def mark_recurring(
    transaction_id: str,
    request: Request,
    caller: PageCaller,
    db: Db,
    cadence: FormValue = "monthly",
    back: FormValue = "/transactions",
) -> Response:
    """Mark a transaction as recurring: a confirmed commitment like it, from its date on
    (only the user's own transactions; another's is not found)."""
    try:
        view = commitments.from_transaction(
            db,
            caller.user.id,
            transaction_id,
            cadence,
            now=clock.now(),
            zone=zone_of(request, caller),
        )
    except InvalidInput:
        target = _back_to(back, saved="recurring_refused")
        return RedirectResponse(f"{target}#tx-{transaction_id}", status_code=303)
    target = _back_to(back, recurring=view.id)
    return RedirectResponse(f"{target}#tx-{transaction_id}", status_code=303)
