"""Pages reached from an e-mail or about one: forgot password, choose a new password,
confirm an address, turn sign-in notices off.

A link in a message never acts on GET (mail scanners open links): its page shows
what it will do and a button that POSTs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.domain.errors import DomainError
from potwise.services import account_mail, password_reset, verification
from potwise.services.errors import TooManyAttempts
from potwise.web.api.account_mail import RESET_SENT
from potwise.web.security import AppMailer, Db, client_address
from potwise.web.ui.access import PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "password_reset": (
        "success",
        "Your password was changed. Every session was signed out and every API token "
        "revoked; sign in with the new password.",
    ),
    "verify_sent": ("success", "A new link to confirm your address is on its way."),
    "verify_wait": ("error", "A link was sent a moment ago; try again in a minute."),
    "verify_unavailable": (
        "error",
        "No link could be sent: this server sends no e-mail, or your address is confirmed.",
    ),
    "email_change_sent": (
        "success",
        "Open the link we sent to the new address to confirm it; until then nothing changes.",
    ),
    "email_wrong_password": ("error", "Your current password is not correct."),
    "email_mail_off": (
        "error",
        "This server sends no e-mail, so a new address cannot be confirmed; ask its operator.",
    ),
    "email_invalid": ("error", "Enter a valid e-mail address, other than the one you use now."),
    "notices_saved": ("success", "Your choice about sign-in notices was saved."),
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


# --- links that confirm something: a page that says what, and a button -------------

_LINKS = {
    "/verify": (
        "Confirm your e-mail address",
        "Confirm that this address is yours.",
        "Confirm my address",
    ),
    "/settings/email/confirm": (
        "Confirm your new e-mail address",
        "Make this address the one your account uses.",
        "Use this address",
    ),
    "/mail/unsubscribe": (
        "Sign-in notices",
        "Stop the e-mails about sign-ins from new browsers. Notices about your password, "
        "tokens and banks still come.",
        "Stop sign-in notices",
    ),
}


def _link_page(
    request: Request, path: str, token: str, status_code: int = 200, **context: Any
) -> Response:
    heading, explanation, button = _LINKS[path]
    context.setdefault("problem", None)
    context.setdefault("done", None)
    return render(
        request,
        "account_link.html",
        None,
        status_code=status_code,
        heading=heading,
        explanation=explanation,
        button=button,
        action=path,
        token=token,
        **context,
    )


@router.get("/verify", response_class=HTMLResponse)
@router.get("/settings/email/confirm", response_class=HTMLResponse)
@router.get("/mail/unsubscribe", response_class=HTMLResponse)
def link_page(request: Request, token: str = "") -> Response:
    return _link_page(request, request.url.path, token)


@router.post("/verify", response_class=HTMLResponse)
def verify_submit(request: Request, db: Db, mailer: AppMailer, token: FormStr = "") -> Response:
    try:
        verification.verify(db, mailer, token)
    except DomainError as exc:
        return _link_page(request, "/verify", "", 400, problem=exc.message)
    return _link_page(
        request, "/verify", "", done="Thank you: your address is confirmed. Rules can move money."
    )


@router.post("/settings/email/confirm", response_class=HTMLResponse)
def email_change_submit(
    request: Request, db: Db, mailer: AppMailer, token: FormStr = ""
) -> Response:
    path = "/settings/email/confirm"
    try:
        user = verification.confirm_email_change(db, mailer, token)
    except DomainError as exc:
        return _link_page(request, path, "", 400, problem=exc.message)
    return _link_page(request, path, "", done=f"Your account now uses {user.email}.")


@router.post("/mail/unsubscribe", response_class=HTMLResponse)
def unsubscribe_submit(
    request: Request, db: Db, mailer: AppMailer, token: FormStr = ""
) -> Response:
    """The page's button, and mail clients' one-click POST (RFC 8058: the token is in
    the address, the body says `List-Unsubscribe=One-Click`)."""
    token = token or request.query_params.get("token", "")
    if not account_mail.unsubscribe(db, mailer, token):
        return _link_page(request, "/mail/unsubscribe", "", 400, problem="This link is not valid.")
    return _link_page(
        request, "/mail/unsubscribe", "", done="Done: no more e-mails about sign-ins."
    )


@router.post("/verify/resend")
def resend_submit(caller: PageCaller, db: Db, mailer: AppMailer, next: FormStr = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    try:
        verification.resend(db, mailer, caller.user)
    except DomainError as exc:
        code = {"too_many_attempts": "verify_wait"}.get(exc.code, "verify_unavailable")
        return RedirectResponse(f"{target}?flash={code}", status_code=303)
    return RedirectResponse(f"{target}?flash=verify_sent", status_code=303)


@router.post("/settings/email")
def email_change_request(
    caller: PageCaller,
    db: Db,
    mailer: AppMailer,
    new_email: FormStr = "",
    password: FormStr = "",
) -> Response:
    try:
        verification.request_email_change(
            db, mailer, caller.user, new_email=new_email, password=password
        )
    except DomainError as exc:
        code = {
            "invalid_credentials": "email_wrong_password",
            "mail_unavailable": "email_mail_off",
        }.get(exc.code, "email_invalid")
        return RedirectResponse(f"/settings?flash={code}", status_code=303)
    return RedirectResponse("/settings?flash=email_change_sent", status_code=303)


@router.post("/settings/notices")
def notices_setting(caller: PageCaller, db: Db, on: FormStr = "") -> Response:
    account_mail.set_notices(db, caller.user.id, on=on == "1")
    return RedirectResponse("/settings?flash=notices_saved", status_code=303)
