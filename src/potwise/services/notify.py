"""One way to tell a user something: `notify()` logs it and keeps an in-app notice.

E-mail and webhook channels plug in here later; callers never change.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Notice
from potwise.db.scoping import owned
from potwise.logs import get_logger

log = get_logger(__name__)


def notify(db: Session, user_id: str, kind: str, message: str, *, level: str = "info") -> Notice:
    """Record a notice for the user (committed by the caller's unit of work)."""
    notice = Notice(
        user_id=user_id, kind=kind, level=level, message=message, created_at=clock.now()
    )
    db.add(notice)
    log.info("notify.sent", user_id=user_id, kind=kind, level=level)
    return notice


def recent(
    db: Session, user_id: str, *, limit: int = 20, unread_only: bool = False
) -> list[Notice]:
    statement = owned(Notice, user_id)
    if unread_only:
        statement = statement.where(Notice.read_at.is_(None))
    return list(db.scalars(statement.order_by(Notice.created_at.desc()).limit(limit)))
