"""Choosing a new password by e-mail.

`request_reset` answers the same whether or not the address has an account, in
what it says and in how long it takes: both paths compose the same message, and
the answer is held to a floor of `ANSWER_FLOOR` seconds. A link works once, for 30
minutes. `confirm_reset` sets the password, signs out every session, revokes every
personal API token, retires every other reset link, and tells the user by e-mail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import User
from potwise.logs import get_logger
from potwise.services import account_links, account_mail, auth, passwords, throttle
from potwise.services.account_mail import Mailer
from potwise.services.mail.compose import compose

log = get_logger(__name__)

Clock = Callable[[], datetime]

#: Seconds every reset request takes at least, known address or not.
ANSWER_FLOOR = 0.4
PER_ADDRESS = 3
PER_CLIENT = 10
PURPOSE = "reset"
RESET_PATH = "/reset-password"


def request_reset(
    db: Session,
    mailer: Mailer,
    *,
    email: str,
    client_address: str | None,
    now: Clock = clock.wall,
) -> None:
    """Send a reset link to `email` when it has an account; answer alike either way."""
    started = time.monotonic()
    try:
        _request(db, mailer, email, client_address, now())
    finally:
        time.sleep(max(0.0, ANSWER_FLOOR - (time.monotonic() - started)))


def _request(
    db: Session, mailer: Mailer, email: str, client_address: str | None, moment: datetime
) -> None:
    address = auth.normalise_email(email)
    throttle.count_request(
        db,
        mailer.secret_key,
        {"reset_account": (address, PER_ADDRESS), "reset_address": (client_address, PER_CLIENT)},
        moment,
        "Too many requests for a new password. Try again later.",
    )
    db.commit()
    user = db.scalars(select(User).where(User.email == address)).one_or_none()
    if user is None or not user.is_active:
        # The same composing work as a real message, sent nowhere.
        compose(
            "reset", public_url=mailer.public_url, to=address, link=mailer.link(RESET_PATH, "x")
        )
        log.info("auth.reset_requested", known_user=False)
        return
    if mailer.enabled:
        token = account_links.issue(
            db, mailer.secret_key, PURPOSE, user_id=user.id, email=user.email, now=moment
        )
        account_mail.send(
            db, mailer, "reset", to=user.email, user_id=user.id, link=mailer.link(RESET_PATH, token)
        )
    db.commit()
    log.info("auth.reset_requested", known_user=True, mailed=mailer.enabled)


def operator_link(db: Session, mailer: Mailer, email: str, *, now: Clock = clock.wall) -> str:
    """A reset link for the operator to hand over (no mail sent)."""
    user = db.scalars(select(User).where(User.email == auth.normalise_email(email))).one_or_none()
    if user is None:
        from potwise.services.errors import NotFound

        raise NotFound("No user has that e-mail address.")
    token = account_links.issue(
        db, mailer.secret_key, PURPOSE, user_id=user.id, email=user.email, now=now()
    )
    db.commit()
    return mailer.link(RESET_PATH, token)


def check_link(db: Session, mailer: Mailer, token: str, *, now: Clock = clock.wall) -> None:
    """Raise why the link cannot be used (the set-new-password page asks first)."""
    account_links.check(db, mailer.secret_key, PURPOSE, token, now())


def confirm_reset(
    db: Session, mailer: Mailer, *, token: str, new_password: str, now: Clock = clock.wall
) -> User:
    """Set the new password through a reset link; nothing changes when it fails."""
    moment = now()
    link = account_links.check(db, mailer.secret_key, PURPOSE, token, moment)
    user = db.get(User, link.user_id) if link.user_id else None
    if user is None or not user.is_active or user.email != link.email:
        raise account_links.LinkInvalid("This link is no longer valid. Ask for a new one.")
    passwords.check_policy(new_password, email=user.email)
    account_links.redeem(db, mailer.secret_key, PURPOSE, token, moment)
    db.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            password_hash=passwords.hash_password(new_password),
            password_changed_at=clock.now(),
            email_verified_at=user.email_verified_at or clock.now(),
        )
    )
    account_links.retire(db, user.id, PURPOSE, moment)
    db.commit()
    db.refresh(user)
    sessions = auth.revoke_other_sessions(db, user.id, keep_session_id=None)
    tokens = auth.revoke_all_api_tokens(db, user.id)
    account_mail.security_notice(db, mailer, user, "password_reset")
    db.commit()
    log.info("auth.password_reset", user_id=user.id, sessions_revoked=sessions, tokens=tokens)
    return user
