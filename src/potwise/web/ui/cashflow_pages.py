"""Cash-flow pages: the forecast (with "what if"), commitments to confirm or dismiss,
planned items and instalment plans, and how each credit card is repaid. The
dashboard's safe-to-spend figure comes from `services.cashflow.outlook`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise import clock
from potwise.domain.errors import DomainError
from potwise.domain.instalments import MAX_MONTHS
from potwise.services import mirror
from potwise.services.cashflow import commitments, lookups, outlook, plans
from potwise.services.errors import InvalidInput, NotFound
from potwise.web.security import Caller, Db, zone_of
from potwise.web.ui import form_words
from potwise.web.ui.access import PageCaller
from potwise.web.ui.forecast_chart import line_chart
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)


FLASH_MESSAGES: FlashMessages = {
    "planned_saved": ("success", "Planned item saved; the forecast counts it."),
    "planned_deleted": ("success", "Planned item deleted."),
    "card_saved": ("success", "Card repayment saved."),
    "cashflow_settings_saved": ("success", "Saved: safe to spend uses it now."),
    "commitment_confirmed": ("success", "Confirmed: it counts in safe to spend."),
    "commitment_dismissed": ("success", "Dismissed: it no longer counts anywhere."),
    "commitment_restored": ("success", "Back to detected."),
    "commitment_refused": ("error", "Nothing changed: use Confirm, Dismiss or Restore."),
}

HORIZONS = (30, 90, 180, 366)
CADENCE_NAMES = {
    "weekly": "Weekly",
    "fortnightly": "Fortnightly",
    "four_weekly": "Every four weeks",
    "monthly": "Monthly",
    "monthly_last_working_day": "Monthly, last working day",
    "monthly_10_from_april": "Ten months from April",
    "quarterly": "Quarterly",
    "yearly": "Yearly",
}
MODE_NAMES = {
    "pay_in_full": "Pay in full",
    "fixed": "Pay a fixed amount",
    "minimum": "Pay the minimum",
}


def _now() -> datetime:
    return clock.now()


def _pounds(text: str) -> int:
    """A positive amount typed in pounds, in pence."""
    return form_words.read_pounds(text, "the cost")


# --- /forecast -----------------------------------------------------------------------


@dataclass
class WhatIf:
    label: str = "What if"
    amount: str = ""
    on: str = ""


def _what_if(request: Request, today: date) -> tuple[WhatIf, plans.PlannedInput | None, str | None]:
    q = request.query_params
    form = WhatIf(
        (q.get("label") or "What if")[:200],
        (q.get("amount") or "")[:20],
        (q.get("date") or "")[:10],
    )
    if not form.amount and not form.on:
        return form, None, None
    try:
        amount = _pounds(form.amount)
        on = date.fromisoformat(form.on)
    except (DomainError, ValueError):
        return form, None, "Give a date and an amount in pounds to see what it would do."
    if on < today:
        return form, None, "Choose a date from today on."
    return form, plans.PlannedInput(form.label or "What if", -amount, on), None


@router.get("/forecast", response_class=HTMLResponse)
def forecast_page(request: Request, caller: PageCaller, db: Db) -> Response:
    zone = zone_of(request, caller)
    today = _now().astimezone(zone).date()
    try:
        days = int(request.query_params.get("days", "90"))
    except ValueError:
        days = 90
    days = days if days in HORIZONS else 90
    form, extra, error = _what_if(request, today)
    try:
        base, inputs = outlook.forecast_days(db, caller.user.id, days, now=_now(), zone=zone)
    except DomainError:
        return render(request, "forecast.html", caller, active="forecast", empty=True, days=days)
    changed = None
    shown = base
    if extra is not None:
        shown, inputs = outlook.forecast_days(
            db, caller.user.id, days, now=_now(), zone=zone, what_if=[extra]
        )
        changed = extra
    upcoming = [(d, item) for d in shown.days for item in d.items][:80]
    return render(
        request,
        "forecast.html",
        caller,
        active="forecast",
        empty=False,
        days=days,
        horizons=HORIZONS,
        result=shown,
        base=base,
        chart=line_chart(shown),
        inputs=inputs,
        upcoming=upcoming,
        form=form,
        what_if=changed,
        error=error,
        today=today,
    )


# --- /planned ------------------------------------------------------------------------


def _planned_context(db: Db, caller: Caller) -> dict[str, Any]:
    items = plans.list_planned(db, caller.user.id)
    return {
        "items": [(i, plans.plan_of(i)) for i in items],
        "cards": plans.card_settings(db, caller.user.id),
        "spending_accounts": lookups.spending_accounts(db, caller.user.id),
        "mode_names": MODE_NAMES,
        "prefs": plans.preferences(db, caller.user.id),
        "pots": lookups.live_pots(db, caller.user.id),
    }


@router.get("/planned", response_class=HTMLResponse)
def planned_page(request: Request, caller: PageCaller, db: Db) -> Response:
    return render(request, "planned.html", caller, active="planned", **_planned_context(db, caller))


def _planned_refused(
    request: Request, caller: Caller, db: Db, exc: DomainError | ValueError, **typed: Any
) -> Response:
    """The planned page again, saying what to correct, with what was typed still there."""
    return render(
        request,
        "planned.html",
        caller,
        status_code=400,
        active="planned",
        error=form_words.say(exc),
        **typed,
        **_planned_context(db, caller),
    )


@router.post("/planned", response_class=HTMLResponse)
def planned_create(
    request: Request,
    caller: PageCaller,
    db: Db,
    label: FormStr,
    amount: FormStr,
    on: Annotated[str, Form(alias="date")],
    months: Annotated[str, Form()] = "",
    annual_rate: Annotated[str, Form()] = "0",
    back: Annotated[str, Form()] = "",
) -> Response:
    today = clock.now().astimezone(zone_of(request, caller)).date()
    try:
        item = plans.PlannedInput(
            label=label.strip()[:200] or "Planned",
            amount=-form_words.read_pounds(amount, "the cost"),
            due_on=form_words.read_day(on, "the day it is due"),
            months=form_words.read_whole(months, 1, MAX_MONTHS, form_words.MONTHS_REFUSED),
            annual_rate=annual_rate.strip() or "0",
        )
        plans.create_planned(db, caller.user.id, item, today=today)
    except (DomainError, ValueError) as exc:
        typed = form_words.PlannedTyped(
            label[:200], amount[:40], on[:10], months[:5], annual_rate[:20]
        )
        return _planned_refused(request, caller, db, exc, planned=typed)
    target = (
        "/forecast?flash=planned_saved" if back == "forecast" else "/planned?flash=planned_saved"
    )
    return RedirectResponse(target, status_code=303)


@router.post("/planned/{item_id}/delete")
def planned_delete(item_id: str, caller: PageCaller, db: Db) -> Response:
    plans.delete_planned(db, caller.user.id, item_id)
    return RedirectResponse("/planned?flash=planned_deleted", status_code=303)


@router.post("/planned/cards/{account_id}", response_class=HTMLResponse)
def card_save(
    request: Request,
    account_id: str,
    caller: PageCaller,
    db: Db,
    mode: Annotated[str, Form()] = "",
    fixed_amount: Annotated[str, Form()] = "",
    due_day: Annotated[str, Form()] = "",
    annual_rate: Annotated[str, Form()] = "0",
    pay_from: Annotated[str, Form()] = "",
) -> Response:
    try:
        plans.set_card_model(
            db,
            caller.user.id,
            account_id,
            plans.CardInput(
                mode=mode,
                fixed_amount=form_words.read_pounds(fixed_amount, "the fixed amount")
                if mode == "fixed"
                else None,
                annual_rate=annual_rate.strip() or "0",
                due_day=form_words.read_whole(
                    due_day, 1, 31, "The due day is a day of the month, from 1 to 31."
                ),
                pay_from_account_id=pay_from or None,
            ),
        )
    except NotFound:
        raise
    except (DomainError, ValueError) as exc:
        card = form_words.CardTyped(
            account_id, mode, fixed_amount[:40], due_day[:5], annual_rate[:20]
        )
        return _planned_refused(request, caller, db, exc, card_typed=card, pay_from=pay_from)
    return RedirectResponse("/planned?flash=card_saved#cards", status_code=303)


def _match_days(text: str, current: int) -> int:
    days = form_words.read_whole(
        text, 0, plans.MAX_MATCH_WORKING_DAYS, form_words.MATCH_DAYS_REFUSED
    )
    return current if days is None else days


@router.post("/planned/settings", response_class=HTMLResponse)
def cashflow_settings_save(
    request: Request,
    caller: PageCaller,
    db: Db,
    payday: Annotated[str, Form()] = "",
    pot_ids: Annotated[list[str] | None, Form()] = None,
    aside_label: Annotated[str, Form()] = "",
    aside_amount: Annotated[str, Form()] = "",
    remove_aside: Annotated[list[str] | None, Form()] = None,
    match_working_days: Annotated[str, Form()] = "",
    match_amount_percent: Annotated[str, Form()] = "",
) -> Response:
    """Payday (detected, a day or the last working day), pots counted as cash, the
    set-asides (one added, any removed) and how closely payments match commitments."""
    current = plans.preferences(db, caller.user.id)
    removed = set(remove_aside or ())
    asides = [a for i, a in enumerate(current.set_asides) if str(i) not in removed]
    try:
        if aside_label.strip() or aside_amount.strip():
            amount = form_words.read_pounds(aside_amount, "the amount set aside")
            asides.append((aside_label.strip()[:100], amount))
        day = (
            None
            if payday in ("", "last")
            else form_words.read_whole(payday, 1, 31, form_words.PAYDAY_REFUSED)
        )
        plans.set_preferences(
            db,
            caller.user.id,
            plans.Preferences(
                day,
                payday == "last",
                tuple(pot_ids or ()),
                tuple(asides),
                _match_days(match_working_days, current.match_working_days),
                match_amount_percent.strip() or current.match_amount_percent,
            ),
        )
    except (DomainError, ValueError) as exc:
        typed = form_words.SettingsTyped(
            payday[:5],
            tuple(pot_ids or ()),
            aside_label[:100],
            aside_amount[:40],
            match_working_days[:5],
            match_amount_percent[:20],
        )
        return _planned_refused(request, caller, db, exc, settings_typed=typed)
    return RedirectResponse("/planned?flash=cashflow_settings_saved#settings", status_code=303)


# --- /commitments --------------------------------------------------------------------


@router.get("/commitments", response_class=HTMLResponse)
def commitments_page(request: Request, caller: PageCaller, db: Db) -> Response:
    zone = zone_of(request, caller)
    views = commitments.views(db, caller.user.id, now=_now(), zone=zone)
    evidence = lookups.evidence(db, caller.user.id, views)
    groups = [
        ("review", "To review", [v for v in views if v.status == "detected" and v.active]),
        ("confirmed", "Confirmed", [v for v in views if v.status == "confirmed"]),
        ("stopped", "Stopped", [v for v in views if v.status == "detected" and not v.active]),
        ("dismissed", "Dismissed", [v for v in views if v.status == "dismissed"]),
    ]
    return render(
        request,
        "commitments.html",
        caller,
        active="commitments",
        groups=groups,
        evidence=evidence,
        evidence_names=mirror.transaction_names(db, caller.user.id, evidence.values()),
        cadence_names=CADENCE_NAMES,
        zone=zone,
    )


@router.post("/commitments/{commitment_id}/status")
def commitment_status(
    request: Request,
    commitment_id: str,
    caller: PageCaller,
    db: Db,
    status: Annotated[str, Form()] = "",
) -> Response:
    zone = zone_of(request, caller)
    try:
        commitments.update(
            db,
            caller.user.id,
            commitment_id,
            commitments.CommitmentEdit(status=status),
            now=_now(),
            zone=zone,
        )
    except InvalidInput:
        return RedirectResponse("/commitments?flash=commitment_refused", status_code=303)
    flash = {
        "confirmed": "commitment_confirmed",
        "dismissed": "commitment_dismissed",
    }.get(status, "commitment_restored")
    return RedirectResponse(f"/commitments?flash={flash}", status_code=303)
