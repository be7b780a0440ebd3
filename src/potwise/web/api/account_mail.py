"""`/api/v1/auth`: what goes by e-mail: verification, password reset, a new address."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from potwise.services import password_reset, verification
from potwise.web.api.schemas import Accepted, UserEnvelope, UserOut
from potwise.web.security import AppMailer, CurrentCaller, Db, client_address

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenBody(BaseModel):
    token: str = Field(min_length=1, max_length=512)


class EmailChange(BaseModel):
    new_email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=4096)


class ResetRequest(BaseModel):
    email: str = Field(min_length=3, max_length=320)


class ResetConfirm(BaseModel):
    token: str = Field(min_length=1, max_length=512)
    new_password: str = Field(min_length=1, max_length=4096)


RESET_SENT = (
    "If an account has that address, a link to choose a new password is on its way. "
    "It works once, for 30 minutes."
)


@router.post("/password-reset", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(
    body: ResetRequest, request: Request, db: Db, mailer: AppMailer
) -> Accepted:
    """Send a reset link; the answer is the same whether or not the address has an account."""
    password_reset.request_reset(
        db, mailer, email=body.email, client_address=client_address(request)
    )
    return Accepted(message=RESET_SENT)


@router.post("/password-reset/confirm", response_model=Accepted)
def confirm_password_reset(body: ResetConfirm, db: Db, mailer: AppMailer) -> Accepted:
    """Set a new password through a reset link: every session is signed out and every
    personal API token revoked."""
    password_reset.confirm_reset(db, mailer, token=body.token, new_password=body.new_password)
    return Accepted(
        status="done",
        message="Your password was changed. Every session was signed out; sign in again.",
    )


@router.post("/verify", response_model=UserEnvelope)
def verify_email(body: TokenBody, db: Db, mailer: AppMailer) -> UserEnvelope:
    """Confirm an address with the token of the link we sent."""
    user = verification.verify(db, mailer, body.token)
    return UserEnvelope(user=UserOut.model_validate(user, from_attributes=True))


@router.post("/verify/resend", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def resend_verification(caller: CurrentCaller, db: Db, mailer: AppMailer) -> Accepted:
    """Send a new confirmation link to the signed-in user's address (one a minute)."""
    verification.resend(db, mailer, caller.user)
    return Accepted(message=f"A new link is on its way to {caller.user.email}.")


@router.post("/email", response_model=Accepted, status_code=status.HTTP_202_ACCEPTED)
def change_email(body: EmailChange, caller: CurrentCaller, db: Db, mailer: AppMailer) -> Accepted:
    """Ask to change the address: it takes effect once the link sent to it is used."""
    address = verification.request_email_change(
        db, mailer, caller.user, new_email=body.new_email, password=body.password
    )
    return Accepted(
        message=f"Open the link we sent to {address} to confirm it; until then nothing changes."
    )


@router.post("/email/confirm", response_model=UserEnvelope)
def confirm_email_change(body: TokenBody, db: Db, mailer: AppMailer) -> UserEnvelope:
    user = verification.confirm_email_change(db, mailer, body.token)
    return UserEnvelope(user=UserOut.model_validate(user, from_attributes=True))
