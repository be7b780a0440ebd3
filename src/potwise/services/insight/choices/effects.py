"""What follows a choice: budgets checked again, and what the user said no to remembered."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import InsightDismissal
from potwise.logs import get_logger
from potwise.services.insight import budgets, spending

log = get_logger(__name__)


def spending_moved(db: Session, user_id: str, fallback_timezone: str) -> None:
    """After a committed change of categories or classifications: spending moved
    between budgets, so an 80 % or 100 % alert may be due now rather than at the next
    sync. A failure here is logged; the user's change stands."""
    # The change is this process's own: whatever clock stamped it, no breakdown kept
    # from before it may be served.
    spending.forget(user_id)
    try:
        budgets.check_after_recategorisation(db, user_id, fallback_timezone=fallback_timezone)
    except Exception:
        db.rollback()
        log.exception("budget.check_failed", user_id=user_id)


def remember(db: Session, user_id: str, kind: str, key: str) -> None:
    """Remember a dismissal of `kind` (once: remembering it again changes nothing)."""
    exists = db.scalar(
        select(InsightDismissal.id).where(
            InsightDismissal.user_id == user_id,
            InsightDismissal.kind == kind,
            InsightDismissal.key == key,
        )
    )
    if exists is None:
        db.add(InsightDismissal(user_id=user_id, kind=kind, key=key))
