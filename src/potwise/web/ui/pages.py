"""Server-rendered pages: sign-in, registration, the dashboard and settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.domain.errors import DomainError
from potwise.services import account_mail, auth, dashboard, registration
from potwise.services.account_mail import Mailer
from potwise.services.cashflow import outlook as cashflow
from potwise.services.errors import TooManyAttempts
from potwise.services.twofactor import factor
from potwise.web.security import (
    AppMailer,
    AppSettings,
    Db,
    MaybeCaller,
    Policy,
    clear_session_cookie,
    client_address,
    note_presence,
    open_session,
    zone_of,
)
from potwise.web.ui.access import PageCaller, safe_next
from potwise.web.ui.goal_tiles import goal_tiles
from potwise.web.ui.render import FlashMessages, FormStr, render
from potwise.web.ui.settings_view import passkeys_available, settings_page_response
from potwise.web.ui.twofactor_pages import code_step

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "signed_out": ("info", "You have signed out."),
    "password_changed": ("success", "Password changed. Your other sessions were signed out."),
    "sessions_revoked": ("success", "All your other sessions were signed out."),
    "token_revoked": ("success", "The API token was revoked."),
    "tokens_revoked": ("success", "Every API token was revoked."),
    "password_changed_tokens": (
        "success",
        "Password changed. Your other sessions were signed out and every API token revoked.",
    ),
}


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, caller: PageCaller, db: Db) -> Response:
    zone = zone_of(request, caller)
    note_presence(request, caller.user.id)
    overview = dashboard.overview(db, caller.user.id, zone)
    safe = cashflow.dashboard_safe_to_spend(db, caller.user.id, zone) if overview.accounts else None
    goals = goal_tiles(db, caller.user.id, zone, overview.paused)
    return render(
        request,
        "dashboard.html",
        caller,
        overview=overview,
        safe=safe,
        goals=goals,
        active="dashboard",
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, caller: MaybeCaller, db: Db, policy: Policy) -> Response:
    if caller is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return render(
        request,
        "login.html",
        None,
        next=safe_next(request.query_params.get("next")),
        registration_open=auth.registration_is_open(db, policy),
        passkeys_available=passkeys_available(request),
        email="",
    )


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    db: Db,
    policy: Policy,
    settings: AppSettings,
    email: FormStr = "",
    password: FormStr = "",
    next: FormStr = "/",
) -> Response:
    try:
        user = auth.authenticate(
            db, policy, email=email, password=password, client_address=client_address(request)
        )
    except DomainError as exc:
        status = 429 if isinstance(exc, TooManyAttempts) else 401
        headers = (
            {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else None
        )
        return render(
            request,
            "login.html",
            None,
            status_code=status,
            headers=headers,
            error=exc.message,
            next=safe_next(next),
            registration_open=auth.registration_is_open(db, policy),
            passkeys_available=passkeys_available(request),
            email=email,
        )
    if factor.is_enabled(db, user.id):
        return code_step(request, db, policy.secret_key, user, next)
    response = RedirectResponse(safe_next(next), status_code=303)
    open_session(request, response, db, policy, settings, user)
    return response


def _register_page(
    request: Request,
    db: Db,
    policy: Policy,
    mailer: Mailer,
    invite: str,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """The sign-up form; with invitations only, shown for a usable invitation."""
    mode = registration.mode(db, policy)
    problem = None
    if mode == "invite" and not context.get("accepted"):
        try:
            registration.check_invite(db, mailer, invite)
        except DomainError as exc:
            problem = exc.message if invite else None
    context.setdefault("email", "")
    return render(
        request,
        "register.html",
        None,
        status_code=status_code,
        registration_open=mode == "open" or (mode == "invite" and invite and problem is None),
        invite_only=mode == "invite",
        invite=invite,
        invite_problem=problem,
        **context,
    )


@router.get("/register", response_class=HTMLResponse)
def register_page(
    request: Request, caller: MaybeCaller, db: Db, policy: Policy, mailer: AppMailer
) -> Response:
    if caller is not None:
        return RedirectResponse("/", status_code=303)
    return _register_page(request, db, policy, mailer, request.query_params.get("invite", ""))


@router.post("/register", response_class=HTMLResponse)
def register_submit(
    request: Request,
    db: Db,
    policy: Policy,
    mailer: AppMailer,
    email: FormStr = "",
    password: FormStr = "",
    password_confirm: FormStr = "",
    invite: FormStr = "",
) -> Response:
    """Same answer for a new and a known address: the account, if new, waits for its
    owner to sign in (and to confirm the address before rules move money)."""
    if password != password_confirm:
        return _register_page(
            request,
            db,
            policy,
            mailer,
            invite,
            400,
            error="The two passwords do not match.",
            email=email,
        )
    try:
        registration.register(
            db, policy, mailer, email=email, password=password, invite=invite or None
        )
    except DomainError as exc:
        status = 403 if exc.code == "registration_closed" else 400
        return _register_page(
            request, db, policy, mailer, invite, status, error=exc.message, email=email
        )
    return _register_page(
        request, db, policy, mailer, "", accepted=registration.ACCEPTED, email=email
    )


@router.post("/logout")
def logout_submit(caller: MaybeCaller, db: Db, settings: AppSettings) -> Response:
    if caller is not None and caller.session_id is not None:
        auth.revoke_session(db, caller.session_id, caller.user.id)
    response = RedirectResponse("/login?flash=signed_out", status_code=303)
    clear_session_cookie(response, settings)
    return response


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, caller: PageCaller, db: Db) -> Response:
    return settings_page_response(request, caller, db)


@router.post("/settings/password", response_class=HTMLResponse)
def settings_password(
    request: Request,
    caller: PageCaller,
    db: Db,
    mailer: AppMailer,
    current_password: FormStr = "",
    new_password: FormStr = "",
    new_password_confirm: FormStr = "",
    revoke_tokens: FormStr = "",
) -> Response:
    if new_password != new_password_confirm:
        return settings_page_response(
            request,
            caller,
            db,
            400,
            password_error="The two new passwords do not match.",  # noqa: S106
        )
    try:
        auth.change_password(
            db,
            caller.user,
            current_password=current_password,
            new_password=new_password,
            keep_session_id=caller.session_id,
        )
    except DomainError as exc:
        return settings_page_response(request, caller, db, 400, password_error=exc.message)
    account_mail.tell(db, mailer, caller.user, "password_changed")
    if revoke_tokens == "1":
        auth.revoke_all_api_tokens(db, caller.user.id)
        return RedirectResponse("/settings?flash=password_changed_tokens", status_code=303)
    return RedirectResponse("/settings?flash=password_changed", status_code=303)


@router.post("/settings/sessions/revoke-others")
def settings_revoke_others(caller: PageCaller, db: Db) -> Response:
    auth.revoke_other_sessions(db, caller.user.id, keep_session_id=caller.session_id)
    return RedirectResponse("/settings?flash=sessions_revoked", status_code=303)


@router.post("/settings/tokens", response_class=HTMLResponse)
def settings_create_token(
    request: Request, caller: PageCaller, db: Db, mailer: AppMailer, name: FormStr = ""
) -> Response:
    try:
        token, raw = auth.create_api_token(db, caller.user.id, name=name)
    except DomainError as exc:
        return settings_page_response(
            request, caller, db, 400, token_error=exc.message, token_name=name[:100]
        )
    account_mail.token_created(db, mailer, caller.user, token.name)
    # Rendered, not redirected: the only time the token is ever shown.
    return settings_page_response(request, caller, db, new_token=raw, new_token_name=token.name)


@router.post("/settings/tokens/revoke-all")
def settings_revoke_all_tokens(caller: PageCaller, db: Db) -> Response:
    auth.revoke_all_api_tokens(db, caller.user.id)
    return RedirectResponse("/settings?flash=tokens_revoked", status_code=303)


@router.post("/settings/tokens/{token_id}/delete")
def settings_delete_token(token_id: str, caller: PageCaller, db: Db) -> Response:
    auth.delete_api_token(db, caller.user.id, token_id)
    return RedirectResponse("/settings?flash=token_revoked", status_code=303)
