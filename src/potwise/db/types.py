"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_SQLITE_FORMAT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"
_NAIVE = "naive datetime given to a UTC column; pass an aware datetime"


def aware_utc(value: datetime | None) -> datetime | None:
    """How a UTCDateTime value is bound on PostgreSQL: aware, in UTC; naive values
    are refused. Bulk writers that bypass SQLAlchemy's parameter handling call it
    directly."""
    if value is None or value.tzinfo is UTC:
        return value
    if value.utcoffset() is None:
        raise ValueError(_NAIVE)
    return value.astimezone(UTC)


def sqlite_text(value: datetime | None) -> str | None:
    """How a UTCDateTime value is stored in SQLite (naive UTC text); naive values are
    refused. Bulk writers that bypass SQLAlchemy's parameter handling call it directly."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.utcoffset() is None:
            raise ValueError(_NAIVE)
        value = value.astimezone(UTC)
    return _SQLITE_FORMAT % (
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


class _SQLiteDateTime(sqlite.DATETIME):
    """``DATETIME`` in SQLite's schema, with no conversion of its own: UTCDateTime
    formats and parses the text itself, in one step instead of two."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so the value is
    stored as naive UTC text (``2026-11-23 09:30:00.000000``, the format SQLite's
    ``DATETIME`` has always had here, so the text sorts as time does) and given its
    UTC zone back when read. Naive values are refused on the way in: a naive
    datetime is a bug, not a guess.

    Every transaction row carries four timestamps, so on SQLite the value goes
    straight to and from its text form (see `_SQLiteDateTime`): a bulk ingest spent
    a fifth of its time converting timestamps through two layers.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SQLiteDateTime()  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return sqlite_text(value)
        return aware_utc(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
