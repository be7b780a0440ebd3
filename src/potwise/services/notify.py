"""One way to tell a user something: `notify()` logs it, keeps an in-app notice and
puts it in the outbox for the user's channels (webhooks, e-mail), in the same unit
of work. Sending is the worker's (`services.notifications.sender`): a slow or
failing receiver never holds up the caller, a money move least of all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Notice, new_id
from potwise.db.scoping import owned
from potwise.logs import get_logger
from potwise.services.notifications import outbox

log = get_logger(__name__)


def notify(db: Session, user_id: str, kind: str, message: str, *, level: str = "info") -> Notice:
    """Record a notice for the user (committed by the caller's unit of work)."""
    notice = Notice(
        id=new_id(),
        user_id=user_id,
        kind=kind,
        level=level,
        message=message,
        created_at=clock.now(),
    )
    db.add(notice)
    outbox.enqueue(db, notice)
    log.info("notify.sent", user_id=user_id, kind=kind, level=level)
    return notice


def recent(
    db: Session, user_id: str, *, limit: int = 20, unread_only: bool = False
) -> list[Notice]:
    statement = owned(Notice, user_id)
    if unread_only:
        statement = statement.where(Notice.read_at.is_(None))
    return list(db.scalars(statement.order_by(Notice.created_at.desc()).limit(limit)))
