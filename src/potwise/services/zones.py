"""The user's time zone: their own setting, else the server's (`POTWISE_TIMEZONE`).

Dates people see (months, paydays, "today") are in this zone. Every screen, rule
and check asks here, so one person never sees two different "todays"; a stored
name that is not a zone falls back to the server's, which settings validated.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import User


def zone_named(name: str | None, fallback: str) -> ZoneInfo:
    """The zone called `name`, or the server's `fallback` when it is unset or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
            pass
    return ZoneInfo(fallback)


def user_zone(db: Session, user_id: str, fallback: str) -> ZoneInfo:
    """The zone of the user with this id (see :func:`zone_named`)."""
    return zone_named(db.scalar(select(User.timezone).where(User.id == user_id)), fallback)
