"""Users, browser sessions, personal API tokens and the login rate limiter."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import ApiToken, LoginFailure, User, UserSession
from potwise.db.scoping import get_owned, owned
from potwise.logs import get_logger
from potwise.services import passwords
from potwise.services.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    TooManyAttempts,
)

log = get_logger(__name__)

Clock = Callable[[], datetime]

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)
API_TOKEN_PREFIX = "pw_"  # noqa: S105 - a marker, not a secret
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def token_hash(raw: str) -> str:
    """SHA-256 of a random token: enough for 256-bit secrets, and indexable."""
    return hashlib.sha256(raw.encode()).hexdigest()


def normalise_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 320 or not _EMAIL.match(value):
        raise InvalidInput("Enter a valid e-mail address.")
    return value


@dataclass(frozen=True)
class AuthPolicy:
    """What the auth service needs from the settings."""

    secret_key: str
    registration_open: bool | None
    production: bool
    session_days: int
    # POTWISE_REGISTRATION: open | closed | invite (None: `registration_open` decides).
    registration: str | None = None


# --- users -----------------------------------------------------------------


def registration_is_open(db: Session, policy: AuthPolicy) -> bool:
    """Open when the setting says so; by default open in development, and in
    production only until the first user exists."""
    if policy.registration is not None:
        return policy.registration == "open"
    if policy.registration_open is not None:
        return policy.registration_open
    if not policy.production:
        return True
    return db.scalar(select(func.count()).select_from(User)) == 0


def create_user(
    db: Session, *, email: str, password: str, now: Clock = clock.now, verified: bool = True
) -> User:
    """Create a user (no registration check: used by the CLI, the demo and registration,
    which alone creates users whose address is still to be confirmed)."""
    address = normalise_email(email)
    passwords.check_policy(password, email=address)
    if db.scalar(select(User.id).where(User.email == address)) is not None:
        raise Conflict("An account with that e-mail address already exists.")
    user = User(
        email=address,
        password_hash=passwords.hash_password(password),
        created_at=now(),
        password_changed_at=now(),
        email_verified_at=now() if verified else None,
    )
    db.add(user)
    try:
        db.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.rollback()
        raise Conflict("An account with that e-mail address already exists.") from exc
    log.info("user.created", user_id=user.id)
    return user


def change_password(
    db: Session,
    user: User,
    *,
    current_password: str,
    new_password: str,
    keep_session_id: str | None,
    now: Clock = clock.now,
) -> int:
    """Change the password and sign out every other session; returns how many."""
    ok, _ = passwords.verify_password(current_password, user.password_hash)
    if not ok:
        raise InvalidCredentials("Your current password is not correct.")
    passwords.check_policy(new_password, email=user.email)
    db.execute(
        update(User)
        .where(User.id == user.id)
        .values(password_hash=passwords.hash_password(new_password), password_changed_at=now())
    )
    db.commit()
    revoked = revoke_other_sessions(db, user.id, keep_session_id=keep_session_id, now=now)
    log.info("user.password_changed", user_id=user.id, sessions_revoked=revoked)
    return revoked


# --- login and its rate limiter -----------------------------------------------


def _limiter_key(policy: AuthPolicy, scope: str, value: str) -> str:
    return hmac.new(
        policy.secret_key.encode(), f"{scope}:{value}".encode(), hashlib.sha256
    ).hexdigest()


def _failures_since(db: Session, scope: str, key: str, since: datetime) -> list[datetime]:
    return list(
        db.scalars(
            select(LoginFailure.at)
            .where(
                LoginFailure.scope == scope, LoginFailure.key_hash == key, LoginFailure.at > since
            )
            .order_by(LoginFailure.at)
        )
    )


def _check_limits(db: Session, keys: dict[str, str], now: datetime) -> None:
    since = now - LOGIN_WINDOW
    limits = {"account": MAX_FAILURES_PER_ACCOUNT, "address": MAX_FAILURES_PER_ADDRESS}
    for scope, key in keys.items():
        failures = _failures_since(db, scope, key, since)
        limit = limits[scope]
        if len(failures) >= limit:
            # The window frees a slot when the oldest counted failure ages out.
            oldest_counted = failures[len(failures) - limit]
            retry_after = max(1, int((oldest_counted + LOGIN_WINDOW - now).total_seconds()) + 1)
            raise TooManyAttempts(
                "Too many failed sign-in attempts. Try again later.", retry_after=retry_after
            )


def authenticate(
    db: Session,
    policy: AuthPolicy,
    *,
    email: str,
    password: str,
    client_address: str | None,
    now: Clock = clock.now,
) -> User:
    """Check a login. The password is verified whether or not the user exists, so
    timing says nothing about which e-mail addresses have accounts."""
    moment = now()
    address = email.strip().lower()
    keys = {"account": _limiter_key(policy, "account", address)}
    if client_address:
        keys["address"] = _limiter_key(policy, "address", client_address)
    _check_limits(db, keys, moment)
    user = db.scalars(select(User).where(User.email == address)).one_or_none()
    ok, new_hash = passwords.verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        for scope, key in keys.items():
            db.add(LoginFailure(scope=scope, key_hash=key, at=moment))
        # Old rows are useless to the limiter; trimming here keeps the table small.
        db.execute(delete(LoginFailure).where(LoginFailure.at < moment - LOGIN_WINDOW))
        db.commit()
        log.info("auth.login_failed", known_user=user is not None)
        raise InvalidCredentials("The e-mail address or password is not correct.")
    if new_hash is not None:
        user.password_hash = new_hash
    db.execute(
        delete(LoginFailure).where(
            LoginFailure.scope == "account", LoginFailure.key_hash == keys["account"]
        )
    )
    db.commit()
    log.info("auth.login", user_id=user.id, rehashed=new_hash is not None)
    return user


# --- browser sessions ---------------------------------------------------------


def create_session(
    db: Session,
    policy: AuthPolicy,
    user: User,
    *,
    user_agent: str | None,
    ip_address: str | None,
    second_factor: str | None = None,
    now: Clock = clock.now,
) -> tuple[UserSession, str]:
    """Start a session; returns it and the raw token (for the cookie only).
    `second_factor` says how the sign-in passed it (`totp`, `recovery`), if it had one."""
    raw = secrets.token_urlsafe(32)
    moment = now()
    session = UserSession(
        user_id=user.id,
        token_hash=token_hash(raw),
        created_at=moment,
        last_seen_at=moment,
        expires_at=moment + timedelta(days=policy.session_days),
        user_agent=(user_agent or "")[:255] or None,
        ip_address=(ip_address or "")[:64] or None,
        second_factor=second_factor,
    )
    db.add(session)
    db.commit()
    return session, raw


def resolve_session(db: Session, raw: str, *, now: Clock = clock.now) -> UserSession | None:
    """The live session for a cookie value, or None (unknown, revoked or expired)."""
    moment = now()
    session = db.scalars(
        select(UserSession).where(UserSession.token_hash == token_hash(raw))
    ).one_or_none()
    if session is None or session.revoked_at is not None or session.expires_at <= moment:
        return None
    if not session.user.is_active:
        return None
    if moment - session.last_seen_at > SESSION_TOUCH_INTERVAL:
        session.last_seen_at = moment
        db.commit()
    return session


def revoke_session(db: Session, session_id: str, user_id: str, *, now: Clock = clock.now) -> None:
    session = get_owned(db, UserSession, session_id, user_id)
    if session is None or session.revoked_at is not None:
        raise NotFound("No such session.")
    session.revoked_at = now()
    db.commit()


def revoke_other_sessions(
    db: Session, user_id: str, *, keep_session_id: str | None, now: Clock = clock.now
) -> int:
    """Sign out everywhere else (or everywhere, when `keep_session_id` is None)."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    if keep_session_id is not None:
        statement = statement.where(UserSession.id != keep_session_id)
    result = db.execute(statement)
    db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_sessions(db: Session, user_id: str, *, now: Clock = clock.now) -> list[UserSession]:
    return list(
        db.scalars(
            owned(UserSession, user_id)
            .where(UserSession.revoked_at.is_(None), UserSession.expires_at > now())
            .order_by(UserSession.last_seen_at.desc())
        )
    )


# --- personal API tokens ------------------------------------------------------


def create_api_token(
    db: Session, user_id: str, *, name: str, now: Clock = clock.now
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    label = name.strip()
    if not label or len(label) > 100:
        raise InvalidInput("Give the token a name of 1 to 100 characters.")
    raw = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user_id,
        name=label,
        token_hash=token_hash(raw),
        prefix=raw[:10],
        created_at=now(),
    )
    db.add(token)
    db.commit()
    log.info("auth.token_created", user_id=user_id, token_id=token.id)
    return token, raw


def list_api_tokens(db: Session, user_id: str) -> list[ApiToken]:
    return list(db.scalars(owned(ApiToken, user_id).order_by(ApiToken.created_at.desc())))


def delete_api_token(db: Session, user_id: str, token_id: str) -> None:
    token = get_owned(db, ApiToken, token_id, user_id)
    if token is None:
        raise NotFound("No such token.")
    db.delete(token)
    db.commit()
    log.info("auth.token_revoked", user_id=user_id, token_id=token_id)


def revoke_all_api_tokens(db: Session, user_id: str) -> int:
    """Revoke every personal API token of the user (they outlive a password change
    otherwise: they are credentials of their own); returns how many."""
    result = db.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    db.commit()
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    log.info("auth.tokens_revoked", user_id=user_id, count=count)
    return count


def resolve_api_token(db: Session, raw: str, *, now: Clock = clock.now) -> ApiToken | None:
    if not raw.startswith(API_TOKEN_PREFIX):
        return None
    token = db.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(raw))).one_or_none()
    if token is None or not token.user.is_active:
        return None
    moment = now()
    if token.last_used_at is None or moment - token.last_used_at > SESSION_TOUCH_INTERVAL:
        token.last_used_at = moment
        db.commit()
    return token
