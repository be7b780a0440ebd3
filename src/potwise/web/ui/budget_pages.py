"""Budgets: each with its progress, and the forms to create, change and delete one."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise import clock
from potwise.db.models import Budget
from potwise.domain import category_names
from potwise.domain.budgets import LAST_WORKING_DAY, PROJECT_AFTER_PAYMENTS
from potwise.domain.errors import DomainError
from potwise.domain.money import Money
from potwise.services import unit_of_work
from potwise.services.insight import budgets, own_categories
from potwise.web.security import Caller, Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.category_display import labeller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "budget_created": ("success", "Budget created."),
    "budget_saved": ("success", "Budget saved."),
    "budget_deleted": ("success", "Budget deleted."),
}


@dataclass
class BudgetForm:
    category: str = ""
    amount: str = ""
    period: str = "month"
    pay_day: str = "25"
    rollover: bool = False

    @classmethod
    def of(cls, budget: Budget) -> BudgetForm:
        whole, pence = divmod(budget.amount, 100)
        return cls(
            category=budget.category,
            amount=f"{whole}.{pence:02d}" if pence else str(whole),
            period=budget.period,
            pay_day=budget.pay_day or "25",
            rollover=budget.rollover,
        )


def _read(form: BudgetForm) -> tuple[dict[str, str], budgets.BudgetInput | None]:
    errors: dict[str, str] = {}
    category = form.category.strip()
    if not category:
        errors["category"] = "Choose the category this budget caps."
    elif len(category) > budgets.MAX_CATEGORY_LENGTH:
        errors["category"] = "Keep the category to 64 characters."
    elif not category_names.can_budget(category):
        errors["category"] = category_names.not_budgetable_message(
            category_names.default_name(category)
        )
    amount: int | None = None
    try:
        amount = Money.parse(form.amount.strip() or "x", "GBP").minor
    except DomainError:
        errors["amount"] = "Write the amount in pounds, like 250 or 99.50."
    if amount is not None and not 0 < amount <= budgets.MAX_AMOUNT:
        errors["amount"] = "The amount must be more than £0 and at most £100,000."
    if form.period not in ("month", "pay_period"):
        errors["period"] = "Choose calendar month or pay period."
    pay_day = None
    if form.period == "pay_period":
        pay_day = form.pay_day.strip()
        if pay_day != LAST_WORKING_DAY and not (pay_day.isdigit() and 1 <= int(pay_day) <= 31):
            errors["pay_day"] = "Choose the day you are paid."
    if errors or amount is None:
        return errors, None
    return errors, budgets.BudgetInput(
        category=category,
        amount=amount,
        period=form.period,
        pay_day=pay_day,
        rollover=form.rollover,
    )


def _budgets_page(
    request: Request,
    caller: Caller,
    db: Db,
    *,
    form: BudgetForm | None = None,
    editing: Budget | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    zone = zone_of(request, caller)
    items = budgets.list_with_progress(db, caller.user.id, now=clock.now(), zone=zone)
    return render(
        request,
        "budgets.html" if editing is None else "budget_edit.html",
        caller,
        status_code=status_code,
        active="budgets",
        items=items,
        min_payments=PROJECT_AFTER_PAYMENTS,
        form=form or BudgetForm(),
        editing=editing,
        errors=errors or {},
        error=error,
        categories=own_categories.options(db, caller.user.id, for_budget=True),
        category_label=labeller(own_categories.names(db, caller.user.id)),
        pay_days=[(str(d), str(d)) for d in range(1, 32)]
        + [(LAST_WORKING_DAY, "Last working day")],
        today=clock.now().astimezone(zone).date(),
    )


def _submitted(category: str, amount: str, period: str, pay_day: str, rollover: str) -> BudgetForm:
    return BudgetForm(
        category=category[:200],
        amount=amount[:40],
        period=period[:20],
        pay_day=pay_day[:20],
        rollover=rollover == "1",
    )


@router.get("/budgets", response_class=HTMLResponse)
def budgets_page(request: Request, caller: PageCaller, db: Db) -> Response:
    return _budgets_page(request, caller, db)


@router.post("/budgets", response_class=HTMLResponse)
def create_budget(
    request: Request,
    caller: PageCaller,
    db: Db,
    category: FormStr = "",
    amount: FormStr = "",
    period: FormStr = "month",
    pay_day: FormStr = "",
    rollover: FormStr = "",
) -> Response:
    form = _submitted(category, amount, period, pay_day, rollover)
    errors, data = _read(form)
    if data is None:
        return _budgets_page(request, caller, db, form=form, errors=errors, status_code=400)
    try:
        with unit_of_work.undone_if_refused(db):
            budget = budgets.create(db, caller.user.id, data)
    except DomainError as exc:
        return _budgets_page(request, caller, db, form=form, error=exc.message, status_code=400)
    return RedirectResponse(f"/budgets?flash=budget_created#budget-{budget.id}", 303)


@router.get("/budgets/{budget_id}/edit", response_class=HTMLResponse)
def edit_budget_page(budget_id: str, request: Request, caller: PageCaller, db: Db) -> Response:
    budget = budgets.get(db, caller.user.id, budget_id)
    return _budgets_page(request, caller, db, form=BudgetForm.of(budget), editing=budget)


@router.post("/budgets/{budget_id}/edit", response_class=HTMLResponse)
def save_budget(
    budget_id: str,
    request: Request,
    caller: PageCaller,
    db: Db,
    category: FormStr = "",
    amount: FormStr = "",
    period: FormStr = "month",
    pay_day: FormStr = "",
    rollover: FormStr = "",
) -> Response:
    budget = budgets.get(db, caller.user.id, budget_id)
    form = _submitted(category, amount, period, pay_day, rollover)
    errors, data = _read(form)
    if data is None:
        return _budgets_page(
            request, caller, db, form=form, editing=budget, errors=errors, status_code=400
        )
    try:
        with unit_of_work.undone_if_refused(db):
            budgets.update(
                db,
                caller.user.id,
                budget_id,
                budgets.BudgetChanges(
                    category=data.category,
                    amount=data.amount,
                    period=data.period,
                    pay_day=data.pay_day,
                    rollover=data.rollover,
                ),
            )
    except DomainError as exc:
        budget = budgets.get(db, caller.user.id, budget_id)
        return _budgets_page(
            request, caller, db, form=form, editing=budget, error=exc.message, status_code=400
        )
    return RedirectResponse(f"/budgets?flash=budget_saved#budget-{budget_id}", 303)


@router.post("/budgets/{budget_id}/delete")
def delete_budget(budget_id: str, caller: PageCaller, db: Db) -> Response:
    budgets.delete(db, caller.user.id, budget_id)
    return RedirectResponse("/budgets?flash=budget_deleted", 303)
