"""One holder per key at a time, across threads and processes, on SQLite and PostgreSQL.

A lease is a row keyed by name. Taking it is an INSERT (or, when the row has
expired, an UPDATE guarded by the old expiry), so two contenders can never
both succeed; the expiry frees a lease whose holder crashed.

Every sync takes and gives back a lease, so the statements are built once, on
the table, and run with parameters: building and caching a statement per call
cost more CPU than SQLite's running it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import Lease, table_of

_LEASES = table_of(Lease)
_TAKE = insert(_LEASES)
_TAKE_EXPIRED = update(_LEASES).where(
    _LEASES.c.key == bindparam("lease_key"), _LEASES.c.expires_at <= bindparam("now")
)
_MINE = (_LEASES.c.key == bindparam("lease_key"), _LEASES.c.owner == bindparam("holder"))
_RENEW = update(_LEASES).where(*_MINE)
_GIVE_UP = delete(_LEASES).where(*_MINE)


def _now() -> datetime:
    # Real time: a lease's expiry frees the lock of a holder that crashed, which is a
    # matter of real seconds even when the product follows a clock played fast.
    return clock.wall()


def try_acquire(
    db: Session,
    key: str,
    owner: str,
    ttl: timedelta,
    *,
    then: Callable[[Session], object] | None = None,
) -> bool:
    """Take the lease if it is free or expired; True when this owner now holds it.

    `then` runs once the lease row is written, in the same transaction, and
    commits with it (reading what the lease guards and recording a run's
    start, say: one unit of work instead of two). If it raises, nothing is
    kept, the lease included, and the error goes to the caller.
    """
    now = _now()
    try:
        db.execute(_TAKE, {"key": key, "owner": owner, "expires_at": now + ttl})
    except IntegrityError:
        db.rollback()
        taken = db.execute(
            _TAKE_EXPIRED,
            {"lease_key": key, "now": now, "owner": owner, "expires_at": now + ttl},
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            db.commit()
            return False
    if then is not None:
        try:
            then(db)
        except BaseException:
            db.rollback()
            raise
    db.commit()
    return True


def renew(db: Session, key: str, owner: str, ttl: timedelta) -> bool:
    """Extend a lease this owner holds; False when it was lost."""
    result = db.execute(_RENEW, {"lease_key": key, "holder": owner, "expires_at": _now() + ttl})
    db.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(db: Session, key: str, owner: str) -> None:
    give_up(db, key, owner)
    db.commit()


def give_up(db: Session, key: str, owner: str) -> None:
    """Release in the caller's unit of work: the lease is free once it commits."""
    db.execute(_GIVE_UP, {"lease_key": key, "holder": owner})


@contextmanager
def held(session_factory: sessionmaker[Session], key: str, ttl: timedelta) -> Iterator[str | None]:
    """Hold the lease for the block: yields the owner token, or None when it is taken."""
    owner = uuid.uuid4().hex
    with session_factory() as db:
        acquired = try_acquire(db, key, owner, ttl)
    if not acquired:
        yield None
        return
    try:
        yield owner
    finally:
        with session_factory() as db:
            release(db, key, owner)
