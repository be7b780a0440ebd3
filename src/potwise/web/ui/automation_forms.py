"""The rule forms: choosing a kind, creating and changing a rule of any kind (each
kind's fields are read by its own form, `rule_form_<kind>.py`), backtesting what the
form holds before it is saved, and deleting a rule or switching it on and off. Nothing
is saved while any field is refused."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise import clock
from potwise.db.models import Automation
from potwise.domain.errors import DomainError
from potwise.services import unit_of_work
from potwise.services.automations import rules
from potwise.services.automations.rules import RuleInput
from potwise.web.security import Caller, Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.automation_backtest import (
    MONTHS_REFUSED,
    Unsaved,
    attempt,
    backtest_page,
    months_of,
)
from potwise.web.ui.automation_display import KIND_NAMES, KINDS_OFFERED
from potwise.web.ui.render import FlashMessages, FormStr, render
from potwise.web.ui.rule_fields import (
    FormContext,
    RuleFormData,
    Submitted,
    about_config,
    choices,
    place_refusal,
    submitted_form,
)
from potwise.web.ui.rule_form_autosort import AutosortForm
from potwise.web.ui.rule_form_card_pot import CardPotForm
from potwise.web.ui.rule_form_goal import GoalForm
from potwise.web.ui.rule_form_sweep import SweepForm
from potwise.web.ui.rule_form_topup import TopupForm

router = APIRouter(include_in_schema=False)

Form = Annotated[Submitted, Depends(submitted_form)]

FORMS: dict[str, type[RuleFormData]] = {
    form.KIND: form for form in (CardPotForm, SweepForm, AutosortForm, TopupForm, GoalForm)
}

FLASH_MESSAGES: FlashMessages = {
    "rule_created": ("success", "Rule created. It runs after the next sync of your cards."),
    "sweep_created": ("success", "Rule created. It sweeps at the next time you chose."),
    "autosort_created": ("success", "Rule created. It sorts your pay when it next arrives."),
    "topup_created": (
        "success",
        "Rule created. It tops up your current account when it falls below the floor.",
    ),
    "goal_created": ("success", "Goal created. Its progress shows on your dashboard."),
    "created_off": (
        "info",
        "Created, but switched off: it will not run, and moves nothing, until you switch it on.",
    ),
    "rule_saved": ("success", "Rule saved."),
    "rule_deleted": ("success", "Rule deleted. Money already moved stays where it is."),
    "rule_on": ("success", "Rule switched on."),
    "rule_off": ("info", "Rule switched off: it moves nothing until you switch it on."),
}


def _context(request: Request, caller: Caller, db: Db, rule: Automation | None) -> FormContext:
    today = clock.now().astimezone(zone_of(request, caller)).date()
    return FormContext(choices=choices(db, caller.user.id), today=today, rule=rule)


def _form_page(
    request: Request,
    caller: Caller,
    form: RuleFormData,
    ctx: FormContext,
    *,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        form.TEMPLATE,
        caller,
        status_code=status_code,
        active="automations",
        kind=form.KIND,
        kind_name=KIND_NAMES[form.KIND],
        form=form,
        rule=ctx.rule,
        choices=ctx.choices,
        errors=errors or {},
        error=error,
    )


def _kinds_page(request: Request, caller: Caller, error: str | None = None) -> HTMLResponse:
    return render(
        request,
        "automation_kinds.html",
        caller,
        status_code=400 if error else 200,
        active="automations",
        kinds=KINDS_OFFERED,
        kind_names=KIND_NAMES,
        error=error,
    )


@router.get("/automations/new", response_class=HTMLResponse)
def new_rule_page(request: Request, caller: PageCaller, db: Db, kind: str = "") -> Response:
    """The kinds to choose from, or the chosen kind's form."""
    form = FORMS.get(kind)
    if form is None:
        return _kinds_page(request, caller)
    return _form_page(request, caller, form.blank(), _context(request, caller, db, None))


def _save(
    request: Request, caller: Caller, db: Db, form: RuleFormData, rule: Automation | None
) -> Automation | HTMLResponse:
    """The rule once saved, or the form shown again (filled in, or with what was refused)."""
    ctx = _context(request, caller, db, rule)
    errors, config = form.read(ctx)
    if config is None:
        return _form_page(request, caller, form, ctx, errors=errors, status_code=400)
    user_id = caller.user.id
    try:
        with unit_of_work.undone_if_refused(db):
            if rule is None:
                return rules.create(
                    db, user_id, RuleInput(form.KIND, form.name, form.enabled, config)
                )
            return rules.update(
                db, user_id, rule.id, name=form.name, enabled=form.enabled, config=config
            )
    except DomainError as exc:
        errors, error = place_refusal(exc.message, form)
        ctx = _context(request, caller, db, rule and rules.get(db, user_id, rule.id))
        return _form_page(request, caller, form, ctx, errors=errors, error=error, status_code=400)


@router.post("/automations/new", response_class=HTMLResponse)
def create_rule(request: Request, caller: PageCaller, db: Db, data: Form) -> Response:
    form_type = FORMS.get(data.text("kind", 20) or CardPotForm.KIND)
    if form_type is None:
        return _kinds_page(request, caller, "Choose what kind of rule to make.")
    form = form_type.submitted(data)
    saved = _save(request, caller, db, form, None)
    if isinstance(saved, Response):
        return saved
    code = "rule_created" if form.KIND == CardPotForm.KIND else f"{form.KIND}_created"
    if not saved.enabled:
        code = "created_off"
    return RedirectResponse(f"/automations?flash={code}#rule-{saved.id}", 303)


@router.get("/automations/{rule_id}/edit", response_class=HTMLResponse)
def edit_rule_page(rule_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    rule = rules.get(db, caller.user.id, rule_id)
    form = FORMS[rule.kind].from_rule(rule)
    return _form_page(request, caller, form, _context(request, caller, db, rule))


@router.post("/automations/{rule_id}/edit", response_class=HTMLResponse)
def save_rule(rule_id: str, request: Request, caller: PageCaller, db: Db, data: Form) -> Response:
    rule = rules.get(db, caller.user.id, rule_id)
    form = FORMS[rule.kind].submitted(data)
    saved = _save(request, caller, db, form, rule)
    if isinstance(saved, Response):
        return saved
    return RedirectResponse(f"/automations?flash=rule_saved#rule-{rule_id}", 303)


@router.post("/automations/{rule_id}/delete")
def delete_rule(rule_id: str, caller: PageCaller, db: Db) -> Response:
    rules.delete(db, caller.user.id, rule_id)
    return RedirectResponse("/automations?flash=rule_deleted", 303)


@router.post("/automations/{rule_id}/enabled")
def set_enabled(
    rule_id: str, caller: PageCaller, db: Db, enabled: FormStr = "", back: FormStr = ""
) -> Response:
    """Switch the rule on or off; back to its own page when it was switched there."""
    on = enabled == "1"
    rules.update(db, caller.user.id, rule_id, enabled=on)
    flash = "rule_on" if on else "rule_off"
    if back == "rule":
        return RedirectResponse(f"/automations/{rule_id}?flash={flash}", 303)
    return RedirectResponse(f"/automations?flash={flash}#rule-{rule_id}", 303)


#: Fields of the form that only steer the backtest page, not sent on with the rule.
_STEERING = frozenset({"months", "back"})


def _unsaved(data: Submitted, rule: Automation | None) -> Unsaved:
    fields = [
        (key, value)
        for key, values in data.values.items()
        if key not in _STEERING
        for value in values
    ]
    if rule is None:
        return Unsaved(fields, "/automations/new", "Create rule")
    return Unsaved(fields, f"/automations/{rule.id}/edit", "Save changes")


@router.post("/automations/backtest-preview", response_class=HTMLResponse)
def backtest_preview(request: Request, caller: PageCaller, db: Db, data: Form) -> Response:
    """The form's values read as a save would read them, then backtested: the form
    again when the rule is refused (or with "back", to change it), else the backtest
    page, which says so in words when the history cannot answer. Nothing is saved."""
    rule_id = data.text("rule_id", 64).strip()
    rule = rules.get(db, caller.user.id, rule_id) if rule_id else None
    form_type = FORMS.get(rule.kind if rule else data.text("kind", 20))
    if form_type is None:
        return _kinds_page(request, caller, "Choose what kind of rule to make.")
    form = form_type.submitted(data)
    ctx = _context(request, caller, db, rule)
    if data.ticked("back"):
        return _form_page(request, caller, form, ctx)
    errors, config = form.read(ctx)
    if config is None:
        return _form_page(request, caller, form, ctx, errors=errors, status_code=400)
    months = months_of(data.text("months", 4))
    outcome = (
        MONTHS_REFUSED
        if months is None
        else attempt(request, caller, db, form.KIND, config, months)
    )
    if isinstance(outcome, str) and about_config(outcome):  # the form again, as a save shows it
        errors, error = place_refusal(outcome, form)
        return _form_page(request, caller, form, ctx, errors=errors, error=error, status_code=400)
    return backtest_page(
        request,
        caller,
        db,
        name=form.name.strip() or KIND_NAMES[form.KIND],
        kind=form.KIND,
        months=months,
        outcome=outcome,
        unsaved=_unsaved(data, rule),
        status_code=400 if months is None else 200,
    )
