"""The categories page: the built-in categories and the user's own, with forms to create
one, rename one and merge one into another (reached from budgets and settings)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.domain.errors import DomainError
from potwise.services import unit_of_work
from potwise.services.errors import NotFound
from potwise.services.insight import category_merge, own_categories
from potwise.web.security import AppSettings, Caller, Db
from potwise.web.ui.access import PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "category_created": ("success", "Category created. Choose it for a transaction or a budget."),
    "category_renamed": ("success", "Category renamed. Everything in it stays in it."),
    "category_merged": (
        "success",
        "Merged: its transactions, rules and budget now belong to the category you chose.",
    ),
}


def _page(
    request: Request,
    caller: Caller,
    db: Db,
    *,
    error: str | None = None,
    name: str = "",
    failed_id: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    listed = own_categories.listing(db, caller.user.id)
    return render(
        request,
        "categories.html",
        caller,
        status_code=status_code,
        active="categories",
        own=[c for c in listed if c.own],
        built_in=[c for c in listed if not c.own],
        targets=[(c.id, c.name) for c in listed if c.own or c.built_in],
        error=error,
        name=name,
        failed_id=failed_id,
    )


@router.get("/categories", response_class=HTMLResponse)
def categories_page(request: Request, caller: PageCaller, db: Db) -> Response:
    return _page(request, caller, db)


@router.post("/categories", response_class=HTMLResponse)
def create_category(request: Request, caller: PageCaller, db: Db, name: FormStr = "") -> Response:
    try:
        with unit_of_work.undone_if_refused(db):
            created = own_categories.create(db, caller.user.id, name)
    except DomainError as exc:
        return _page(request, caller, db, error=exc.message, name=name[:200], status_code=400)
    return RedirectResponse(f"/categories?flash=category_created#category-{created.id}", 303)


@router.post("/categories/{category_id}/rename", response_class=HTMLResponse)
def rename_category(
    category_id: str, request: Request, caller: PageCaller, db: Db, name: FormStr = ""
) -> Response:
    own_categories.get(db, caller.user.id, category_id)  # someone else's: not found
    try:
        with unit_of_work.undone_if_refused(db):
            own_categories.rename(db, caller.user.id, category_id, name)
    except DomainError as exc:
        return _page(request, caller, db, error=exc.message, failed_id=category_id, status_code=400)
    return RedirectResponse(f"/categories?flash=category_renamed#category-{category_id}", 303)


@router.post("/categories/{category_id}/merge", response_class=HTMLResponse)
def merge_category(
    category_id: str,
    request: Request,
    caller: PageCaller,
    db: Db,
    settings: AppSettings,
    into: FormStr = "",
) -> Response:
    own_categories.get(db, caller.user.id, category_id)  # someone else's: not found
    if not into.strip():
        return _page(
            request,
            caller,
            db,
            error="Choose the category to merge into.",
            failed_id=category_id,
            status_code=400,
        )
    try:
        with unit_of_work.undone_if_refused(db):
            category_merge.merge(
                db, caller.user.id, category_id, into.strip(), fallback_timezone=settings.timezone
            )
    except NotFound:
        raise
    except DomainError as exc:
        return _page(request, caller, db, error=exc.message, failed_id=category_id, status_code=400)
    return RedirectResponse("/categories?flash=category_merged", 303)
