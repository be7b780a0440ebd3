"""`/api/v1/auth/passkeys`: registering passkeys and signing in with one (WebAuthn).

The options endpoints answer the JSON the browser's WebAuthn call takes (binary
fields in base64url); the answers are posted back as the browser's credential
in JSON form. Registering and removing need a signed-in browser.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from potwise import clock
from potwise.services import account_mail
from potwise.services.errors import InvalidCredentials, PasskeysUnavailable
from potwise.services.twofactor import passkeys, pending
from potwise.settings import Settings
from potwise.web.api.schemas import Page, UserEnvelope, UserOut
from potwise.web.security import (
    AppMailer,
    AppSettings,
    CurrentCaller,
    Db,
    Policy,
    SessionCaller,
    open_session,
)

router = APIRouter(prefix="/auth/passkeys", tags=["auth"])


class PasskeyOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


class PasskeyRegistration(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    credential: dict[str, Any]


class PasskeySignInOptions(BaseModel):
    # The second step of a password sign-in: only that user's passkeys may answer.
    pending_token: str | None = Field(default=None, max_length=1000)


class PasskeySignIn(BaseModel):
    credential: dict[str, Any]


def _rp(settings: Settings) -> passkeys.RelyingParty:
    rp = passkeys.relying_party(settings.public_url)
    if rp is None:
        raise PasskeysUnavailable(
            "Passkeys need this server to be reached by a name, not an IP address "
            "(POTWISE_PUBLIC_URL)."
        )
    return rp


def _json(text: str) -> Response:
    return Response(content=text, media_type="application/json")


@router.get("", response_model=Page[PasskeyOut])
def list_passkeys(caller: CurrentCaller, db: Db) -> Page[PasskeyOut]:
    items = [
        PasskeyOut.model_validate(p, from_attributes=True)
        for p in passkeys.listed(db, caller.user.id)
    ]
    return Page[PasskeyOut](items=items)


@router.post("/register/options")
def register_options(caller: SessionCaller, db: Db, settings: AppSettings) -> Response:
    """Options for `navigator.credentials.create` (a discoverable credential, user
    verification required; passkeys already registered are excluded)."""
    return _json(passkeys.registration_options(db, _rp(settings), caller.user))


@router.post("/register", response_model=PasskeyOut, status_code=status.HTTP_201_CREATED)
def register(
    body: PasskeyRegistration,
    caller: SessionCaller,
    db: Db,
    settings: AppSettings,
    mailer: AppMailer,
) -> PasskeyOut:
    added = passkeys.register(
        db, _rp(settings), caller.user, name=body.name, credential=body.credential
    )
    account_mail.tell(db, mailer, caller.user, "passkey_added", detail=f"Passkey: {added.name}.")
    return PasskeyOut.model_validate(added, from_attributes=True)


@router.post("/login/options")
def login_options(
    body: PasskeySignInOptions, db: Db, settings: AppSettings, policy: Policy
) -> Response:
    """Options for `navigator.credentials.get`: any passkey of this server, or with
    `pending_token` (the password was right, the second step is due) only that
    user's."""
    rp = _rp(settings)
    user = None
    if body.pending_token:
        user = pending.user_for(db, policy.secret_key, body.pending_token, now=clock.now())
        if user is None:
            raise InvalidCredentials("That sign-in took too long. Enter your password again.")
    return _json(passkeys.sign_in_options(db, rp, user=user))


@router.post("/login", response_model=UserEnvelope)
def login(
    body: PasskeySignIn,
    request: Request,
    response: Response,
    db: Db,
    settings: AppSettings,
    policy: Policy,
) -> UserEnvelope:
    """Sign in with a passkey: the session cookie, as a password sign-in gives. A
    passkey with user verification is two factors on its own."""
    user = passkeys.sign_in(db, _rp(settings), body.credential)
    open_session(request, response, db, policy, settings, user, second_factor="passkey")
    return UserEnvelope(user=UserOut.model_validate(user, from_attributes=True))


@router.delete("/{passkey_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove(passkey_id: str, caller: SessionCaller, db: Db, mailer: AppMailer) -> Response:
    passkeys.remove(db, caller.user.id, passkey_id)
    account_mail.tell(db, mailer, caller.user, "passkey_removed")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
