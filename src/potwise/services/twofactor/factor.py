"""A user's second factor in the database: enrolment, confirmation, the check at
sign-in, recovery codes, and turning it off.

The secret is kept encrypted with the vault. Wrong codes are counted per user
in the same table and window as failed passwords, and five in 15 minutes stop
further tries until the window frees a slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import LoginFailure, RecoveryCode, TotpFactor, User
from potwise.logs import get_logger
from potwise.services import passwords
from potwise.services.auth import LOGIN_WINDOW
from potwise.services.errors import Conflict, InvalidCredentials, InvalidInput, TooManyAttempts
from potwise.services.twofactor import codes
from potwise.services.vault import Vault

log = get_logger(__name__)

Clock = Callable[[], datetime]

MAX_CODE_FAILURES = 5
_SCOPE = "second_factor"


@dataclass(frozen=True)
class Enrolment:
    """What an authenticator app needs: the secret as text and as a URI (the QR code)."""

    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class Status:
    enabled: bool
    confirmed_at: datetime | None
    recovery_codes_left: int


def _factor(db: Session, user_id: str) -> TotpFactor | None:
    return db.scalars(select(TotpFactor).where(TotpFactor.user_id == user_id)).one_or_none()


def status(db: Session, user_id: str) -> Status:
    factor = _factor(db, user_id)
    left = db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    confirmed = factor.confirmed_at if factor is not None else None
    return Status(
        enabled=confirmed is not None, confirmed_at=confirmed, recovery_codes_left=left or 0
    )


def is_enabled(db: Session, user_id: str) -> bool:
    return (
        db.scalar(
            select(func.count())
            .select_from(TotpFactor)
            .where(TotpFactor.user_id == user_id, TotpFactor.confirmed_at.is_not(None))
        )
        == 1
    )


def begin_enrolment(db: Session, vault: Vault, user: User, *, now: Clock = clock.now) -> Enrolment:
    """A new secret, waiting for its first code. Starting again replaces a pending
    secret; a confirmed one must be turned off first."""
    factor = _factor(db, user.id)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict(
            "Two-factor authentication is already on. Turn it off first to set it up again."
        )
    secret = codes.new_secret()
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret_encrypted="", last_step=0)
        db.add(factor)
    factor.secret_encrypted = vault.encrypt(secret)
    factor.created_at = now()
    factor.last_step = 0
    db.commit()
    return Enrolment(secret=secret, otpauth_uri=codes.otpauth_uri(secret, user.email))


def pending_enrolment(db: Session, vault: Vault, user: User) -> Enrolment | None:
    """The enrolment still waiting for its first code, to show its QR code again."""
    factor = _factor(db, user.id)
    if factor is None or factor.confirmed_at is not None:
        return None
    secret = vault.decrypt(factor.secret_encrypted)
    return Enrolment(secret=secret, otpauth_uri=codes.otpauth_uri(secret, user.email))


def confirm_enrolment(
    db: Session, vault: Vault, user: User, code: str, *, now: Clock = clock.now
) -> list[str]:
    """Turn two-factor on with a first right code; returns the ten recovery codes,
    the only time they exist in clear."""
    moment = now()
    factor = _factor(db, user.id)
    if factor is None or factor.confirmed_at is not None:
        raise InvalidInput("Start setting up two-factor authentication first.")
    _check_limit(db, user.id, moment)
    step = codes.matching_step(vault.decrypt(factor.secret_encrypted), code, moment, after=0)
    if step is None:
        _record_failure(db, user.id, moment)
        raise InvalidInput("That code is not right. Enter the 6-digit code your app shows now.")
    factor.confirmed_at = moment
    factor.last_step = step
    fresh = _replace_recovery_codes(db, user.id, moment)
    db.commit()
    log.info("auth.second_factor_on", user_id=user.id)
    return fresh


def verify(db: Session, vault: Vault, user: User, code: str, *, now: Clock = clock.now) -> str:
    """Check a code at sign-in (or before a change that needs one): `totp` or
    `recovery` for what was used. A TOTP code's step and a recovery code are spent
    atomically, so two requests racing with the same code cannot both pass."""
    moment = now()
    factor = _factor(db, user.id)
    if factor is None or factor.confirmed_at is None:
        raise InvalidInput("Two-factor authentication is not on.")
    _check_limit(db, user.id, moment)
    used = _spend(db, vault, factor, code, moment)
    if used is None:
        _record_failure(db, user.id, moment)
        log.info("auth.second_factor_failed", user_id=user.id)
        raise InvalidCredentials("That code is not right, or it was already used.")
    db.execute(
        delete(LoginFailure).where(LoginFailure.scope == _SCOPE, LoginFailure.key_hash == user.id)
    )
    db.commit()
    return used


def _spend(
    db: Session, vault: Vault, factor: TotpFactor, code: str, moment: datetime
) -> str | None:
    if codes.looks_like_totp(code):
        secret = vault.decrypt(factor.secret_encrypted)
        step = codes.matching_step(secret, code, moment, after=factor.last_step)
        if step is None:
            return None
        spent = db.execute(
            update(TotpFactor)
            .where(TotpFactor.id == factor.id, TotpFactor.last_step < step)
            .values(last_step=step)
        )
        return "totp" if spent.rowcount == 1 else None  # type: ignore[attr-defined]
    spent = db.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == factor.user_id,
            RecoveryCode.code_hash == codes.recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=moment)
    )
    return "recovery" if spent.rowcount == 1 else None  # type: ignore[attr-defined]


def new_recovery_codes(
    db: Session, vault: Vault, user: User, code: str, *, now: Clock = clock.now
) -> list[str]:
    """Ten new recovery codes for a right code; the old ones stop working."""
    verify(db, vault, user, code, now=now)
    fresh = _replace_recovery_codes(db, user.id, now())
    db.commit()
    log.info("auth.recovery_codes_replaced", user_id=user.id)
    return fresh


def turn_off(
    db: Session, vault: Vault, user: User, *, password: str, code: str, now: Clock = clock.now
) -> None:
    """Turn two-factor off: the password and a code (or a recovery code) are both needed."""
    ok, _ = passwords.verify_password(password, user.password_hash)
    if not ok:
        raise InvalidCredentials("Your password is not correct.")
    verify(db, vault, user, code, now=now)
    _forget(db, user.id)
    db.commit()
    log.info("auth.second_factor_off", user_id=user.id)


def operator_reset(db: Session, user_id: str) -> bool:
    """Remove a user's second factor (an operator's help for a lost phone); returns
    whether there was one."""
    had = is_enabled(db, user_id)
    _forget(db, user_id)
    db.commit()
    log.info("auth.second_factor_reset_by_operator", user_id=user_id, was_on=had)
    return had


def _forget(db: Session, user_id: str) -> None:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    db.execute(delete(TotpFactor).where(TotpFactor.user_id == user_id))


def _replace_recovery_codes(db: Session, user_id: str, moment: datetime) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    fresh = codes.new_recovery_codes()
    for value in fresh:
        db.add(
            RecoveryCode(user_id=user_id, code_hash=codes.recovery_hash(value), created_at=moment)
        )
    return fresh


def _check_limit(db: Session, user_id: str, moment: datetime) -> None:
    failures = list(
        db.scalars(
            select(LoginFailure.at)
            .where(
                LoginFailure.scope == _SCOPE,
                LoginFailure.key_hash == user_id,
                LoginFailure.at > moment - LOGIN_WINDOW,
            )
            .order_by(LoginFailure.at)
        )
    )
    if len(failures) >= MAX_CODE_FAILURES:
        oldest_counted = failures[len(failures) - MAX_CODE_FAILURES]
        retry_after = max(1, int((oldest_counted + LOGIN_WINDOW - moment).total_seconds()) + 1)
        raise TooManyAttempts("Too many wrong codes. Try again later.", retry_after=retry_after)


def _record_failure(db: Session, user_id: str, moment: datetime) -> None:
    db.add(LoginFailure(scope=_SCOPE, key_hash=user_id, at=moment))
    db.commit()
