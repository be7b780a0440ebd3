"""`/api/v1/auth/totp`: two-factor authentication for the signed-in person.

Enrolment, confirmation and turning off need a browser session: a personal API
token cannot change how its owner signs in.
"""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from potwise.services import account_mail
from potwise.services.twofactor import factor
from potwise.web.security import AppMailer, AppVault, CurrentCaller, Db, SessionCaller

router = APIRouter(prefix="/auth/totp", tags=["auth"])


class TotpStatus(BaseModel):
    enabled: bool
    confirmed_at: str | None
    recovery_codes_left: int


class TotpEnrolment(BaseModel):
    secret: str
    otpauth_uri: str


class TotpCode(BaseModel):
    code: str = Field(min_length=1, max_length=32)


class TotpOff(BaseModel):
    password: str = Field(min_length=1, max_length=4096)
    code: str = Field(min_length=1, max_length=32)


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]


@router.get("", response_model=TotpStatus)
def totp_status(caller: CurrentCaller, db: Db) -> TotpStatus:
    now = factor.status(db, caller.user.id)
    return TotpStatus(
        enabled=now.enabled,
        confirmed_at=now.confirmed_at.isoformat() if now.confirmed_at else None,
        recovery_codes_left=now.recovery_codes_left,
    )


@router.post("/enrol", response_model=TotpEnrolment)
def enrol(caller: SessionCaller, db: Db, vault: AppVault) -> TotpEnrolment:
    """A new secret for the authenticator app; two-factor is on only once a code confirms it."""
    started = factor.begin_enrolment(db, vault, caller.user)
    return TotpEnrolment(secret=started.secret, otpauth_uri=started.otpauth_uri)


@router.post("/confirm", response_model=RecoveryCodes)
def confirm(body: TotpCode, caller: SessionCaller, db: Db, vault: AppVault) -> RecoveryCodes:
    """Turn two-factor on with the app's current code; the ten recovery codes are
    returned this once and stored only as hashes."""
    return RecoveryCodes(recovery_codes=factor.confirm_enrolment(db, vault, caller.user, body.code))


@router.post("/recovery-codes", response_model=RecoveryCodes)
def replace_recovery_codes(
    body: TotpCode, caller: SessionCaller, db: Db, vault: AppVault
) -> RecoveryCodes:
    """Ten new recovery codes for a current code; the old ones stop working."""
    return RecoveryCodes(
        recovery_codes=factor.new_recovery_codes(db, vault, caller.user, body.code)
    )


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
def turn_off(
    body: TotpOff, caller: SessionCaller, db: Db, vault: AppVault, mailer: AppMailer
) -> Response:
    factor.turn_off(db, vault, caller.user, password=body.password, code=body.code)
    account_mail.tell(db, mailer, caller.user, "totp_disabled")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
