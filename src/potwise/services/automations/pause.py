"""The pause switches: one for the whole instance (operators), one per user."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import SystemFlag, User
from potwise.logs import get_logger

log = get_logger(__name__)

GLOBAL_PAUSE = "automations_paused"


def globally_paused(db: Session) -> bool:
    return db.scalar(select(SystemFlag.value).where(SystemFlag.key == GLOBAL_PAUSE)) == "true"


def set_global_pause(db: Session, paused: bool) -> None:
    flag = db.get(SystemFlag, GLOBAL_PAUSE)
    if flag is None:
        db.add(SystemFlag(key=GLOBAL_PAUSE, value="true" if paused else "false"))
    else:
        flag.value = "true" if paused else "false"
    db.commit()
    log.warning("automations.global_pause", paused=paused)


def user_paused(db: Session, user_id: str) -> bool:
    return bool(db.scalar(select(User.automations_paused).where(User.id == user_id)))


def set_user_pause(db: Session, user_id: str, paused: bool) -> None:
    user = db.get(User, user_id)
    if user is not None:
        user.automations_paused = paused
        db.commit()
        log.warning("automations.user_pause", user_id=user_id, paused=paused)


def pause_reason(db: Session, user_id: str) -> str | None:
    """Why money may not move for this user now, or None."""
    if globally_paused(db):
        return "All automations on this server are paused by its operator."
    if user_paused(db, user_id):
        return "You paused all automations."
    return None
