"""Confirming an e-mail address: a new account's, and a new one chosen in Settings.

A new account gets a signed, single-use link for 48 hours; until it is used the
user can look around but not create or switch on rules that move money
(`require_verified`). A new address takes effect only once its link is used, and
the old address is told. Operators confirm an address with `potwise user verify`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import User
from potwise.logs import get_logger
from potwise.services import account_links, account_mail, auth, passwords
from potwise.services.account_mail import Mailer
from potwise.services.errors import (
    Conflict,
    EmailUnverified,
    InvalidCredentials,
    InvalidInput,
    MailUnavailable,
    NotFound,
    TooManyAttempts,
)

log = get_logger(__name__)

Clock = Callable[[], datetime]

VERIFY_PATH = "/verify"
EMAIL_CHANGE_PATH = "/settings/email/confirm"
RESEND_GAP = timedelta(seconds=60)
UNVERIFIED_MESSAGE = (
    "Confirm your e-mail address before creating or switching on rules that move money: "
    "open the link we sent you, or ask for a new one."
)


def require_verified(db: Session, user_id: str) -> None:
    """Raise EmailUnverified unless the user has confirmed their address."""
    if db.scalar(select(User.email_verified_at).where(User.id == user_id)) is None:
        raise EmailUnverified(UNVERIFIED_MESSAGE)


def send_link(db: Session, mailer: Mailer, user: User, *, now: Clock = clock.wall) -> bool:
    """Queue a verification link for the user's address (the caller commits)."""
    if not mailer.enabled:
        return False
    token = account_links.issue(
        db, mailer.secret_key, "verify", user_id=user.id, email=user.email, now=now()
    )
    return account_mail.send(
        db, mailer, "verify", to=user.email, user_id=user.id, link=mailer.link(VERIFY_PATH, token)
    )


def resend(db: Session, mailer: Mailer, user: User, *, now: Clock = clock.wall) -> None:
    """Send a fresh link (at most one a minute)."""
    if user.email_verified_at is not None:
        raise InvalidInput("Your e-mail address is already confirmed.")
    if not mailer.enabled:
        raise MailUnavailable(
            "This server sends no e-mail: ask its operator to confirm your address."
        )
    moment = now()
    newest = account_links.newest(db, user.id, "verify")
    if newest is not None and newest.created_at > moment - RESEND_GAP:
        wait = int((newest.created_at + RESEND_GAP - moment).total_seconds()) + 1
        raise TooManyAttempts("A link was sent a moment ago; try again in a minute.", wait)
    send_link(db, mailer, user, now=lambda: moment)
    db.commit()
    log.info("auth.verification_resent", user_id=user.id)


def verify(db: Session, mailer: Mailer, token: str, *, now: Clock = clock.wall) -> User:
    """Use a verification link: the address it was sent to is confirmed."""
    link = account_links.check(db, mailer.secret_key, "verify", token, now())
    user = db.get(User, link.user_id) if link.user_id else None
    if user is None or user.email != link.email:
        raise account_links.LinkInvalid("This link is no longer valid. Ask for a new one.")
    account_links.redeem(db, mailer.secret_key, "verify", token, now())
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
    db.commit()
    log.info("auth.email_verified", user_id=user.id)
    return user


def operator_verify(db: Session, email: str) -> User:
    """Confirm a user's address on the operator's word (`potwise user verify`)."""
    user = db.scalars(select(User).where(User.email == auth.normalise_email(email))).one_or_none()
    if user is None:
        raise NotFound("No user has that e-mail address.")
    if user.email_verified_at is None:
        user.email_verified_at = clock.now()
        db.commit()
    log.info("auth.email_verified_by_operator", user_id=user.id)
    return user


def request_email_change(
    db: Session, mailer: Mailer, user: User, *, new_email: str, password: str
) -> str:
    """Send a confirmation link to the new address; returns it (normalised). The
    account keeps its address until the link is used. The answer is the same when
    the new address already has an account (then nothing is sent)."""
    ok, _ = passwords.verify_password(password, user.password_hash)
    if not ok:
        raise InvalidCredentials("Your current password is not correct.")
    address = auth.normalise_email(new_email)
    if address == user.email:
        raise InvalidInput("That is already your address.")
    if not mailer.enabled:
        raise MailUnavailable(
            "This server sends no e-mail, so a new address cannot be confirmed; ask its operator."
        )
    taken = db.scalar(select(User.id).where(User.email == address)) is not None
    if not taken:
        token = account_links.issue(
            db, mailer.secret_key, "email_change", user_id=user.id, email=address, now=clock.wall()
        )
        link = mailer.link(EMAIL_CHANGE_PATH, token)
        account_mail.send(db, mailer, "email_change", to=address, user_id=user.id, link=link)
    db.commit()
    log.info("auth.email_change_requested", user_id=user.id)
    return address


def confirm_email_change(db: Session, mailer: Mailer, token: str) -> User:
    """Use a new address's link: it becomes the account's, confirmed; the old one is told."""
    moment = clock.wall()
    link = account_links.check(db, mailer.secret_key, "email_change", token, moment)
    user = db.get(User, link.user_id) if link.user_id else None
    if user is None or link.email is None:
        raise account_links.LinkInvalid("This link is no longer valid.")
    if db.scalar(select(User.id).where(User.email == link.email)) is not None:
        raise Conflict("Another account has taken that address meanwhile.")
    account_links.redeem(db, mailer.secret_key, "email_change", token, moment)
    old = user.email
    user.email = link.email
    user.email_verified_at = clock.now()
    account_links.retire(db, user.id, "verify", moment)
    account_links.retire(db, user.id, "reset", moment)
    account_mail.send(db, mailer, "email_changed", to=old, user_id=user.id, new_email=link.email)
    db.commit()
    log.info("auth.email_changed", user_id=user.id)
    return user
