"""One way to tell a user something: `notify()` logs it, keeps an in-app notice and
puts it in the outbox for the user's channels (webhooks, e-mail), in the same unit
of work. Sending is the worker's (`services.notifications.sender`): a slow or
failing receiver never holds up the caller, a money move least of all.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import Notice, new_id
from potwise.db.scoping import get_owned, owned
from potwise.logs import get_logger
from potwise.services.errors import NotFound
from potwise.services.notifications import outbox

log = get_logger(__name__)


def notify(
    db: Session,
    user_id: str,
    kind: str,
    message: str,
    *,
    level: str = "info",
    run_id: str | None = None,
) -> Notice:
    """Record a notice for the user (committed by the caller's unit of work);
    `run_id` names the rule run it came from, when it did."""
    notice = Notice(
        id=new_id(),
        user_id=user_id,
        kind=kind,
        level=level,
        message=message,
        created_at=clock.now(),
    )
    db.add(notice)
    outbox.enqueue(db, notice, run_id=run_id)
    log.info("notify.sent", user_id=user_id, kind=kind, level=level)
    return notice


def recent(
    db: Session,
    user_id: str,
    *,
    limit: int = 20,
    unread_only: bool = False,
    kinds: Collection[str] | None = None,
) -> list[Notice]:
    """The user's newest notices, optionally unread only or of some kinds only."""
    statement = owned(Notice, user_id)
    if unread_only:
        statement = statement.where(Notice.read_at.is_(None))
    if kinds is not None:
        statement = statement.where(Notice.kind.in_(list(kinds)))
    return list(db.scalars(statement.order_by(Notice.created_at.desc()).limit(limit)))


def kinds_of(db: Session, user_id: str) -> list[str]:
    """Every kind of notice the user has had."""
    return sorted(set(db.scalars(select(Notice.kind).where(Notice.user_id == user_id))))


def unread_count(db: Session, user_id: str) -> int:
    return int(
        db.scalar(
            select(func.count())
            .select_from(Notice)
            .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        )
        or 0
    )


def unread_for(session_factory: sessionmaker[Session], user_id: str) -> int:
    """How many notices the user has not read (for the header, on every page)."""
    with session_factory() as db:
        return unread_count(db, user_id)


def mark_read(db: Session, user_id: str, notice_id: str) -> None:
    notice = get_owned(db, Notice, notice_id, user_id)
    if notice is None:
        raise NotFound("No such notice.")
    if notice.read_at is None:
        notice.read_at = clock.now()
    db.commit()


def mark_all_read(db: Session, user_id: str) -> int:
    """Mark every unread notice read; how many were."""
    done = db.execute(
        update(Notice)
        .where(Notice.user_id == user_id, Notice.read_at.is_(None))
        .values(read_at=clock.now())
    )
    db.commit()
    return int(done.rowcount or 0)  # type: ignore[attr-defined]
