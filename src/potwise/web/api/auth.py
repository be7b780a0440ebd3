"""`/api/v1/auth`: registration, login, logout, sessions and personal API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from potwise.services import account_mail, auth, registration
from potwise.services.errors import SecondFactorRequired
from potwise.services.twofactor import factor
from potwise.web.api.schemas import (
    Accepted,
    LoginRequest,
    Page,
    PasswordChange,
    RegisterRequest,
    Revoked,
    SessionOut,
    TokenCreate,
    TokenCreated,
    TokenOut,
    TokensRevoked,
    UserEnvelope,
    UserOut,
)
from potwise.web.security import (
    AppMailer,
    AppSettings,
    AppVault,
    CurrentCaller,
    Db,
    Policy,
    clear_session_cookie,
    client_address,
    open_session,
)

router = APIRouter(prefix="/auth", tags=["auth"])


def _user_out(user: object) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/register", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def register(body: RegisterRequest, db: Db, policy: Policy, mailer: AppMailer) -> Accepted:
    """Create an account (with a link to confirm the address). The answer is the same
    for an address that already has one: its owner is told by e-mail instead."""
    registration.register(
        db, policy, mailer, email=body.email, password=body.password, invite=body.invite
    )
    return Accepted(message=registration.ACCEPTED)


@router.post(
    "/login",
    response_model=UserEnvelope,
    responses={401: {"description": "Wrong e-mail or password (`invalid_credentials`)."}},
)
def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    db: Db,
    policy: Policy,
    settings: AppSettings,
    vault: AppVault,
) -> UserEnvelope:
    """Sign in. With two-factor on, `totp` (a current code or a recovery code) is
    needed too: without it the answer is 401 `totp_required`."""
    user = auth.authenticate(
        db,
        policy,
        email=body.email,
        password=body.password,
        client_address=client_address(request),
    )
    second_factor: str | None = None
    if factor.is_enabled(db, user.id):
        if not body.totp:
            raise SecondFactorRequired(
                "Enter the code from your authenticator app, or a recovery code."
            )
        second_factor = factor.verify(db, vault, user, body.totp)
    open_session(request, response, db, policy, settings, user, second_factor=second_factor)
    return UserEnvelope(user=_user_out(user))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(caller: CurrentCaller, db: Db, settings: AppSettings, response: Response) -> Response:
    if caller.session_id is not None:
        auth.revoke_session(db, caller.session_id, caller.user.id)
    clear_session_cookie(response, settings)
    response.status_code = status.HTTP_204_NO_CONTENT
    return response


@router.get("/me", response_model=UserEnvelope)
def me(caller: CurrentCaller) -> UserEnvelope:
    return UserEnvelope(user=_user_out(caller.user))


@router.post("/password", response_model=Revoked)
def change_password(
    body: PasswordChange, caller: CurrentCaller, db: Db, mailer: AppMailer
) -> Revoked:
    """Change the password; every other session is signed out, and the user is told
    by e-mail."""
    revoked = auth.change_password(
        db,
        caller.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=caller.session_id,
    )
    account_mail.tell(db, mailer, caller.user, "password_changed")
    return Revoked(revoked=revoked)


@router.get("/sessions", response_model=Page[SessionOut])
def sessions(caller: CurrentCaller, db: Db) -> Page[SessionOut]:
    items = [
        SessionOut(
            id=s.id,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at,
            user_agent=s.user_agent,
            ip_address=s.ip_address,
            current=s.id == caller.session_id,
        )
        for s in auth.list_sessions(db, caller.user.id)
    ]
    return Page[SessionOut](items=items)


@router.delete("/sessions", response_model=Revoked)
def sign_out_everywhere_else(caller: CurrentCaller, db: Db) -> Revoked:
    """Sign out every session but this one (all of them when called with a token)."""
    return Revoked(
        revoked=auth.revoke_other_sessions(db, caller.user.id, keep_session_id=caller.session_id)
    )


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: str, caller: CurrentCaller, db: Db) -> Response:
    auth.revoke_session(db, session_id, caller.user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenCreate, caller: CurrentCaller, db: Db, mailer: AppMailer
) -> TokenCreated:
    token, raw = auth.create_api_token(db, caller.user.id, name=body.name)
    account_mail.token_created(db, mailer, caller.user, token.name)
    return TokenCreated(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        token=raw,
    )


@router.get("/tokens", response_model=Page[TokenOut])
def list_tokens(caller: CurrentCaller, db: Db) -> Page[TokenOut]:
    items = [
        TokenOut.model_validate(t, from_attributes=True)
        for t in auth.list_api_tokens(db, caller.user.id)
    ]
    return Page[TokenOut](items=items)


@router.delete("/tokens", response_model=TokensRevoked)
def delete_all_tokens(caller: CurrentCaller, db: Db) -> TokensRevoked:
    """Revoke every personal API token (the one making this call too)."""
    return TokensRevoked(revoked=auth.revoke_all_api_tokens(db, caller.user.id))


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_token(token_id: str, caller: CurrentCaller, db: Db) -> Response:
    auth.delete_api_token(db, caller.user.id, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
