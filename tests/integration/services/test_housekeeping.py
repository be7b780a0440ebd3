"""Housekeeping deletes long-dead sessions, stale login failures and unattended calls
no allowance window counts any more; nothing live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Connection, LoginFailure, UnattendedCall, User, UserSession
from potwise.services.housekeeping import purge_expired
from potwise.services.sync import allowance


def test_purge_keeps_live_sessions_and_drops_old_ones(db: Session) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    user = User(email="h@example.com", password_hash="x")
    db.add(user)
    db.flush()
    live = UserSession(user_id=user.id, token_hash="a" * 64, expires_at=now + timedelta(days=5))
    long_expired = UserSession(
        user_id=user.id, token_hash="b" * 64, expires_at=now - timedelta(days=40)
    )
    recently_revoked = UserSession(
        user_id=user.id,
        token_hash="c" * 64,
        expires_at=now + timedelta(days=5),
        revoked_at=now - timedelta(days=1),
    )
    db.add_all([live, long_expired, recently_revoked])
    db.add(LoginFailure(scope="account", key_hash="k", at=now - timedelta(days=2)))
    db.add(LoginFailure(scope="account", key_hash="k", at=now - timedelta(minutes=3)))
    db.commit()

    counts = purge_expired(db, now)

    assert counts == {
        "sessions": 1,
        "login_failures": 1,
        "unattended_calls": 0,
        "account_links": 0,
        "mail": 0,
    }
    remaining = set(db.scalars(select(UserSession.token_hash)))
    assert remaining == {"a" * 64, "c" * 64}
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_purge_forgets_unattended_calls_only_once_past_the_window_and_its_margin(
    db: Session,
) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    user = User(email="u@example.com", password_hash="x")
    db.add(user)
    db.flush()
    connection = Connection(user_id=user.id, provider="truelayer", display_name="Amex")
    db.add(connection)
    db.flush()
    ages = {
        "inside_window": timedelta(hours=3),
        "window_edge": allowance.WINDOW - timedelta(minutes=1),
        "in_margin": allowance.WINDOW + timedelta(hours=2),
        "margin_edge": allowance.KEEP - timedelta(minutes=1),
        "old": allowance.KEEP + timedelta(minutes=1),
        "very_old": timedelta(days=30),
    }
    for endpoint, age in ages.items():
        db.add(UnattendedCall(connection_id=connection.id, endpoint=endpoint, at=now - age))
    db.commit()
    assert allowance.remaining(db, connection, 4, now) == 2

    counts = purge_expired(db, now)

    assert counts["unattended_calls"] == 2
    kept = set(db.scalars(select(UnattendedCall.endpoint)))
    assert kept == {"inside_window", "window_edge", "in_margin", "margin_edge"}
    # What the allowance counts is untouched.
    assert allowance.remaining(db, connection, 4, now) == 2
    # Counted with the margin for clocks that disagree: it frees two minutes after the bank's.
    assert (
        allowance.next_reset(db, connection, now)
        == now - ages["window_edge"] + allowance.WINDOW + allowance.MARGIN
    )
