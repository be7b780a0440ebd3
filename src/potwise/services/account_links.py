"""Single-use links sent by e-mail: verification, password reset, e-mail change,
invitations; and the stateless one-click unsubscribe token.

A link's token is `<nonce>.<signature>`: the signature (HMAC-SHA256 under the
secret key, bound to the purpose) tells a tampered link from the rest without a
look in the database; only the SHA-256 of the nonce is stored, with its expiry
and when it was used, so a link works once and never after its time.
Expiry is real time (`clock.wall`): a followed clock must not age a link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from potwise.db.models import AccountLink
from potwise.domain.errors import DomainError

LIFETIMES = {
    "verify": timedelta(days=2),
    "reset": timedelta(minutes=30),
    "email_change": timedelta(hours=24),
    "invite": timedelta(days=7),
}

#: An expired link is kept this long, so its page can still say "expired".
KEEP_EXPIRED = timedelta(days=1)


class LinkInvalid(DomainError):
    code = "link_invalid"
    status_code = 400


class LinkExpired(DomainError):
    code = "link_expired"
    status_code = 400


class LinkUsed(DomainError):
    code = "link_used"
    status_code = 400


def _sign(secret_key: str, message: str) -> str:
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue(
    db: Session,
    secret_key: str,
    purpose: str,
    *,
    user_id: str | None,
    email: str | None,
    now: datetime,
) -> str:
    """A new link's token (the row is added to the session; the caller commits)."""
    nonce = secrets.token_urlsafe(24)
    db.add(
        AccountLink(
            user_id=user_id,
            purpose=purpose,
            nonce_hash=_nonce_hash(nonce),
            email=email,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return f"{nonce}.{_sign(secret_key, f'{purpose}:{nonce}')}"


def check(db: Session, secret_key: str, purpose: str, token: str, now: datetime) -> AccountLink:
    """The link behind `token`, still usable; else why not (tampered, expired, used)."""
    nonce, _, signature = token.strip().partition(".")
    expected = _sign(secret_key, f"{purpose}:{nonce}")
    if not nonce or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise LinkInvalid("This link is not valid: it may have been altered or copied in part.")
    link = db.scalars(
        select(AccountLink).where(
            AccountLink.nonce_hash == _nonce_hash(nonce), AccountLink.purpose == purpose
        )
    ).one_or_none()
    if link is None:
        raise LinkInvalid("This link is not valid: it may have been altered or copied in part.")
    if link.used_at is not None:
        raise LinkUsed("This link has already been used. Ask for a new one.")
    if link.expires_at <= now:
        raise LinkExpired("This link has expired. Ask for a new one.")
    return link


def redeem(db: Session, secret_key: str, purpose: str, token: str, now: datetime) -> AccountLink:
    """Use the link (once: of two at the same moment, one wins); the caller commits."""
    link = check(db, secret_key, purpose, token, now)
    result = db.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise LinkUsed("This link has already been used. Ask for a new one.")
    return link


def retire(db: Session, user_id: str, purpose: str, now: datetime) -> None:
    """Every unused link of the user for `purpose` stops working."""
    db.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def newest(db: Session, user_id: str, purpose: str) -> AccountLink | None:
    return db.scalars(
        select(AccountLink)
        .where(AccountLink.user_id == user_id, AccountLink.purpose == purpose)
        .order_by(AccountLink.created_at.desc())
        .limit(1)
    ).first()


def forget_old(db: Session, now: datetime) -> int:
    """Delete links that expired more than a day ago (used or not); returns how many."""
    result = db.execute(delete(AccountLink).where(AccountLink.expires_at < now - KEEP_EXPIRED))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- one-click unsubscribe (no row: it only ever turns notices off) ------------


def unsubscribe_token(secret_key: str, user_id: str) -> str:
    return f"{user_id}.{_sign(secret_key, f'unsubscribe:{user_id}')}"


def unsubscribe_user(secret_key: str, token: str) -> str | None:
    """The user an unsubscribe token names, or None when it is not ours."""
    user_id, _, signature = token.strip().partition(".")
    expected = _sign(secret_key, f"unsubscribe:{user_id}")
    if user_id and hmac.compare_digest(signature.encode(), expected.encode()):
        return user_id
    return None
