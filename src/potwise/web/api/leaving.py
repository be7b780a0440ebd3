"""`DELETE /api/v1/auth/me`: leaving. Rules paused, moves settled, banks told, every
row erased; needs a browser session and the password (and a code with two-factor on)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from potwise.services import leaving
from potwise.web.api.connections import Ctx
from potwise.web.security import (
    AppMailer,
    AppSettings,
    AppVault,
    Db,
    SessionCaller,
    clear_session_cookie,
)

router = APIRouter(prefix="/auth", tags=["auth"])


class LeaveRequest(BaseModel):
    password: str = Field(min_length=1, max_length=4096)
    totp: str | None = Field(default=None, max_length=32)


class BankOut(BaseModel):
    name: str
    provider: str
    revoked: bool
    message: str | None


class LeftOut(BaseModel):
    """What leaving did. `revoke_by_hand` names the banks that could not be told:
    potwise forgot its keys anyway; revoke its access in their app."""

    deleted: bool
    reference: str
    banks: list[BankOut]
    revoke_by_hand: list[str]
    erased: dict[str, int]
    goodbye_mail: bool


@router.delete(
    "/me",
    response_model=LeftOut,
    responses={
        403: {"description": "Wrong password or code (`confirmation_refused`); nothing changed."},
        409: {
            "description": "Money may be moving (`move_in_flight`): try again after "
            "`Retry-After` seconds; nothing was erased."
        },
    },
)
def leave(
    body: LeaveRequest,
    caller: SessionCaller,
    db: Db,
    vault: AppVault,
    mailer: AppMailer,
    ctx: Ctx,
    settings: AppSettings,
    response: Response,
) -> LeftOut:
    """Delete the account and everything it holds, after telling every bank."""
    leaving.confirm(db, vault, caller.user, password=body.password, totp=body.totp)
    left = leaving.leave(ctx, mailer, caller.user.id)
    clear_session_cookie(response, settings)
    return LeftOut(
        deleted=True,
        reference=left.reference,
        banks=[BankOut(**vars(b)) for b in left.banks],
        revoke_by_hand=left.revoke_by_hand,
        erased=left.erased,
        goodbye_mail=left.goodbye_mail,
    )
