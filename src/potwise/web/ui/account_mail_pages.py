"""Pages reached from an e-mail or about one: forgot password, choose a new password,
confirm an address, turn sign-in notices off.

A link in a message never acts on GET (mail scanners open links): its page shows
what it will do and a button that POSTs.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.domain.errors import DomainError
from potwise.services import password_reset
from potwise.services.errors import TooManyAttempts
from potwise.web.api.account_mail import RESET_SENT
from potwise.web.security import AppMailer, Db, client_address
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "password_reset": (
        "success",
        "Your password was changed. Every session was signed out and every API token "
        "revoked; sign in with the new password.",
    ),
}


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    return render(request, "forgot_password.html", None, email="", sent=None)


@router.post("/forgot-password", response_class=HTMLResponse)
def forgot_submit(request: Request, db: Db, mailer: AppMailer, email: FormStr = "") -> Response:
    try:
        password_reset.request_reset(
            db, mailer, email=email, client_address=client_address(request)
        )
    except TooManyAttempts as exc:
        return render(
            request,
            "forgot_password.html",
            None,
            status_code=429,
            headers=exc.headers,
            error=exc.message,
            email=email,
            sent=None,
        )
    except DomainError as exc:
        return render(
            request,
            "forgot_password.html",
            None,
            status_code=400,
            error=exc.message,
            email=email,
            sent=None,
        )
    return render(request, "forgot_password.html", None, email="", sent=RESET_SENT)


@router.get("/reset-password", response_class=HTMLResponse)
def reset_page(request: Request, db: Db, mailer: AppMailer, token: str = "") -> Response:
    try:
        password_reset.check_link(db, mailer, token)
    except DomainError as exc:
        return render(
            request, "reset_password.html", None, status_code=400, problem=exc.message, token=""
        )
    return render(request, "reset_password.html", None, problem=None, token=token)


@router.post("/reset-password", response_class=HTMLResponse)
def reset_submit(
    request: Request,
    db: Db,
    mailer: AppMailer,
    token: FormStr = "",
    password: FormStr = "",
    password_confirm: FormStr = "",
) -> Response:
    if password != password_confirm:
        return render(
            request,
            "reset_password.html",
            None,
            status_code=400,
            error="The two passwords do not match.",
            problem=None,
            token=token,
        )
    try:
        password_reset.confirm_reset(db, mailer, token=token, new_password=password)
    except DomainError as exc:
        link_problem = exc.code.startswith("link_")
        return render(
            request,
            "reset_password.html",
            None,
            status_code=400,
            error=None if link_problem else exc.message,
            problem=exc.message if link_problem else None,
            token="" if link_problem else token,
        )
    return RedirectResponse("/login?flash=password_reset", status_code=303)
