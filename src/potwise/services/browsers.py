"""Browsers a user signs in from: a long-lived random cookie, kept as a hash per user.

A sign-in from a browser the user has not used before (when they have used another)
is worth an e-mail: `recognise` records the browser and queues the notice.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import KnownBrowser, User
from potwise.services import account_mail
from potwise.services.account_mail import Mailer

BROWSER_COOKIE = "potwise_browser"
COOKIE_DAYS = 400


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def recognise(
    db: Session,
    mailer: Mailer,
    user: User,
    cookie: str | None,
    *,
    user_agent: str | None,
    ip_address: str | None,
) -> str | None:
    """Note a sign-in from the browser whose cookie is `cookie`; returns a new
    cookie value when the browser needs one (None: it is known already)."""
    raw = cookie if cookie and 20 <= len(cookie) <= 100 else None
    if raw is not None and db.scalar(
        select(KnownBrowser.id).where(
            KnownBrowser.user_id == user.id, KnownBrowser.browser_hash == _hash(raw)
        )
    ):
        return None
    raw = raw or secrets.token_urlsafe(32)
    seen_before = db.scalar(select(KnownBrowser.id).where(KnownBrowser.user_id == user.id))
    db.add(KnownBrowser(user_id=user.id, browser_hash=_hash(raw), first_seen_at=clock.now()))
    if seen_before is not None:
        detail = f"Browser: {(user_agent or 'unknown')[:160]}. Address: {ip_address or 'unknown'}."
        account_mail.security_notice(db, mailer, user, "new_browser", detail=detail)
    db.commit()
    return raw
