"""Encryption at rest, leases across threads, and OAuth state checks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Lease, User
from potwise.services import leases, oauth_state
from potwise.services.oauth_state import InvalidOAuthState
from potwise.services.vault import UndecryptableSecret, Vault

SECRET = "s" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz"


def test_vault_round_trips_and_rotates_to_the_newest_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    stored = Vault([old]).encrypt("refresh-token-value")
    assert "refresh-token-value" not in stored
    both = Vault([new, old])
    assert both.decrypt(stored) == "refresh-token-value"
    rotated = both.rotate(stored)
    assert Vault([new]).decrypt(rotated) == "refresh-token-value"
    with pytest.raises(UndecryptableSecret):
        Vault([new]).decrypt(stored)


def test_only_one_of_many_threads_gets_a_lease(engine: Engine) -> None:
    factory = make_session_factory(engine)
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def contend(n: int) -> None:
        barrier.wait()
        with factory() as db:
            if leases.try_acquire(db, "sync:conn1", f"owner{n}", timedelta(minutes=5)):
                winners.append(f"owner{n}")

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_an_expired_lease_can_be_taken_over_and_released_leases_are_free(db: Session) -> None:
    assert leases.try_acquire(db, "k", "a", timedelta(seconds=-1))  # already expired
    assert leases.try_acquire(db, "k", "b", timedelta(minutes=1))
    assert not leases.try_acquire(db, "k", "c", timedelta(minutes=1))
    assert not leases.renew(db, "k", "a", timedelta(minutes=1))
    leases.release(db, "k", "b")
    assert leases.try_acquire(db, "k", "c", timedelta(minutes=1))


def test_work_done_with_a_lease_commits_with_it_or_not_at_all(db: Session) -> None:
    def record(email: str) -> Callable[[Session], object]:
        def write(session: Session) -> None:
            session.add(User(email=email, password_hash="x"))
            session.flush()

        return write

    def fail(session: Session) -> None:
        record("half@example.com")(session)
        raise LookupError("gone")

    with pytest.raises(LookupError):
        leases.try_acquire(db, "k", "a", timedelta(minutes=1), then=fail)
    # Neither the lease nor the row written before the failure was kept.
    assert db.scalar(select(func.count()).select_from(Lease)) == 0
    assert db.scalar(select(func.count()).select_from(User)) == 0

    assert leases.try_acquire(db, "k", "b", timedelta(minutes=1), then=record("b@example.com"))
    assert not leases.try_acquire(db, "k", "c", timedelta(minutes=1), then=record("c@example.com"))
    assert sorted(db.scalars(select(User.email))) == ["b@example.com"]
    assert db.scalars(select(Lease.owner)).all() == ["b"]
    # An expired lease taken over runs the work too.
    leases.renew(db, "k", "b", timedelta(seconds=-1))
    assert leases.try_acquire(db, "k", "d", timedelta(minutes=1), then=record("d@example.com"))
    assert sorted(db.scalars(select(User.email))) == ["b@example.com", "d@example.com"]


def _user(db: Session) -> User:
    user = User(email="o@example.com", password_hash="x")
    db.add(user)
    db.commit()
    return user


def test_state_is_single_use(db: Session) -> None:
    user = _user(db)
    state = oauth_state.issue(
        db, secret_key=SECRET, user_id=user.id, session_id="sess1", provider="monzo"
    )
    consumed = oauth_state.consume(
        db, secret_key=SECRET, state=state, user_id=user.id, session_id="sess1", provider="monzo"
    )
    assert consumed.provider == "monzo"
    with pytest.raises(InvalidOAuthState, match="already been used"):
        oauth_state.consume(
            db,
            secret_key=SECRET,
            state=state,
            user_id=user.id,
            session_id="sess1",
            provider="monzo",
        )


def test_state_from_another_session_or_forged_is_refused(db: Session) -> None:
    user = _user(db)
    state = oauth_state.issue(
        db, secret_key=SECRET, user_id=user.id, session_id="sess1", provider="monzo"
    )
    with pytest.raises(InvalidOAuthState, match="this browser session"):
        oauth_state.consume(
            db,
            secret_key=SECRET,
            state=state,
            user_id=user.id,
            session_id="sess2",
            provider="monzo",
        )
    forged = state[:-4] + ("AAAA" if not state.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidOAuthState):
        oauth_state.consume(
            db,
            secret_key=SECRET,
            state=forged,
            user_id=user.id,
            session_id="sess1",
            provider="monzo",
        )
    with pytest.raises(InvalidOAuthState):
        oauth_state.consume(
            db,
            secret_key=SECRET,
            state="garbage",
            user_id=user.id,
            session_id="sess1",
            provider="monzo",
        )
    # Still usable by its own session: refused attempts did not burn it.
    oauth_state.consume(
        db, secret_key=SECRET, state=state, user_id=user.id, session_id="sess1", provider="monzo"
    )


def test_state_expires_after_ten_minutes(db: Session) -> None:
    user = _user(db)
    issued_at = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    state = oauth_state.issue(
        db,
        secret_key=SECRET,
        user_id=user.id,
        session_id="s",
        provider="truelayer",
        now=issued_at,
    )
    with pytest.raises(InvalidOAuthState, match="expired"):
        oauth_state.consume(
            db,
            secret_key=SECRET,
            state=state,
            user_id=user.id,
            session_id="s",
            provider="truelayer",
            now=issued_at + timedelta(minutes=10),
        )


def test_state_for_one_provider_is_refused_by_the_other(db: Session) -> None:
    user = _user(db)
    state = oauth_state.issue(
        db, secret_key=SECRET, user_id=user.id, session_id="s", provider="monzo"
    )
    with pytest.raises(InvalidOAuthState, match="another provider"):
        oauth_state.consume(
            db,
            secret_key=SECRET,
            state=state,
            user_id=user.id,
            session_id="s",
            provider="truelayer",
        )
