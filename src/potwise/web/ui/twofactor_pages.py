"""Two-factor pages: the code step of a sign-in, and setting it up in Settings.

A sign-in with two-factor on happens in two posts: `/login` checks the password
and answers the code form with a signed, five-minute pending token (no session
yet); `/login/code` checks the code and only then opens the session.
"""

from __future__ import annotations

from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from potwise import clock
from potwise.db.models import User
from potwise.domain.errors import DomainError
from potwise.services import account_mail
from potwise.services.errors import TooManyAttempts
from potwise.services.twofactor import factor, passkeys, pending
from potwise.web.security import (
    AppMailer,
    AppSettings,
    AppVault,
    Caller,
    Db,
    Policy,
    open_session,
)
from potwise.web.ui.access import BrowserCaller, safe_next
from potwise.web.ui.render import FlashMessages, FormStr, render
from potwise.web.ui.settings_view import passkeys_available, settings_page_response

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "second_factor_off": ("success", "Two-factor authentication is off."),
    "sign_in_expired": ("error", "That sign-in took too long. Enter your password again."),
    "passkey_added": ("success", "Passkey added. You can sign in with it from now on."),
    "passkey_removed": ("success", "The passkey was removed."),
}


def code_step(
    request: Request, db: Db, policy_key: str, user: User, next_path: str, **context: Any
) -> HTMLResponse:
    """The second step of a sign-in: the code form, carrying the pending token."""
    token = pending.issue(
        policy_key, user_id=user.id, password_hash=user.password_hash, now=clock.now()
    )
    return render(
        request,
        "login_code.html",
        None,
        pending=token,
        next=safe_next(next_path),
        passkey_second_factor=passkeys_available(request) and passkeys.has_any(db, user.id),
        **context,
    )


@router.post("/login/code", response_class=HTMLResponse)
def login_code_submit(
    request: Request,
    db: Db,
    policy: Policy,
    settings: AppSettings,
    vault: AppVault,
    pending_token: FormStr = "",
    code: FormStr = "",
    next: FormStr = "/",
) -> Response:
    user = pending.user_for(db, policy.secret_key, pending_token, now=clock.now())
    if user is None:
        return RedirectResponse("/login?flash=sign_in_expired", status_code=303)
    try:
        used = factor.verify(db, vault, user, code)
    except DomainError as exc:
        limited = exc if isinstance(exc, TooManyAttempts) else None
        return code_step(
            request,
            db,
            policy.secret_key,
            user,
            next,
            error=exc.message,
            status_code=429 if limited else 401,
            headers={"Retry-After": str(limited.retry_after)} if limited else None,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    open_session(request, response, db, policy, settings, user, second_factor=used)
    return response


def qr_svg(uri: str) -> Markup:
    """The enrolment URI as an inline SVG QR code, drawn on the server (no script)."""
    code = segno.make(uri, error="m")
    return Markup(code.svg_inline(scale=4, dark="#000", light="#fff", title="QR code"))  # noqa: S704


def _settings(
    request: Request, caller: Caller, db: Db, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    return settings_page_response(request, caller, db, status_code, **extra)


@router.post("/settings/2fa/enrol", response_class=HTMLResponse)
def enrol(request: Request, caller: BrowserCaller, db: Db, vault: AppVault) -> Response:
    try:
        started = factor.begin_enrolment(db, vault, caller.user)
    except DomainError as exc:
        return _settings(request, caller, db, 409, twofactor_error=exc.message)
    return _settings(
        request, caller, db, enrolment=started, enrolment_qr=qr_svg(started.otpauth_uri)
    )


@router.post("/settings/2fa/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    caller: BrowserCaller,
    db: Db,
    vault: AppVault,
    mailer: AppMailer,
    code: FormStr = "",
) -> Response:
    try:
        recovery = factor.confirm_enrolment(db, vault, caller.user, code)
    except DomainError as exc:
        waiting = factor.pending_enrolment(db, vault, caller.user)
        extra: dict[str, Any] = {"twofactor_error": exc.message}
        if waiting is not None:
            extra.update(enrolment=waiting, enrolment_qr=qr_svg(waiting.otpauth_uri))
        return _settings(
            request, caller, db, 429 if isinstance(exc, TooManyAttempts) else 400, **extra
        )
    account_mail.tell(db, mailer, caller.user, "totp_enabled")
    # Rendered, not redirected: the only time the recovery codes are ever shown.
    return _settings(request, caller, db, recovery_codes=recovery)


@router.post("/settings/2fa/recovery-codes", response_class=HTMLResponse)
def replace_codes(
    request: Request, caller: BrowserCaller, db: Db, vault: AppVault, code: FormStr = ""
) -> Response:
    try:
        recovery = factor.new_recovery_codes(db, vault, caller.user, code)
    except DomainError as exc:
        return _settings(request, caller, db, exc.status_code, twofactor_error=exc.message)
    return _settings(request, caller, db, recovery_codes=recovery)


@router.post("/settings/2fa/off", response_class=HTMLResponse)
def turn_off(
    request: Request,
    caller: BrowserCaller,
    db: Db,
    vault: AppVault,
    mailer: AppMailer,
    password: FormStr = "",
    code: FormStr = "",
) -> Response:
    try:
        factor.turn_off(db, vault, caller.user, password=password, code=code)
    except DomainError as exc:
        return _settings(request, caller, db, exc.status_code, twofactor_error=exc.message)
    account_mail.tell(db, mailer, caller.user, "totp_disabled")
    return RedirectResponse("/settings?flash=second_factor_off", status_code=303)


@router.post("/settings/passkeys/{passkey_id}/delete")
def remove_passkey(passkey_id: str, caller: BrowserCaller, db: Db, mailer: AppMailer) -> Response:
    passkeys.remove(db, caller.user.id, passkey_id)
    account_mail.tell(db, mailer, caller.user, "passkey_removed")
    return RedirectResponse("/settings?flash=passkey_removed", status_code=303)
