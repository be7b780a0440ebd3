"""Instance-wide rows: leases (one holder per key across processes) and switches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from potwise.db.models.base import Base, utcnow


class Lease(Base):
    """At most one holder per key at a time (one sync per connection), across processes.

    Taken with an insert (or a conditional update of an expired row), so it
    works the same on SQLite and PostgreSQL; an expiry frees it after a crash.
    """

    __tablename__ = "leases"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]


class SystemFlag(Base):
    """Instance-wide switches (e.g. the global pause of every money move)."""

    __tablename__ = "system_flags"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
