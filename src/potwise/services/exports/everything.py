"""Everything a user owns, as one JSON document, streamed a table at a time.

The shape is versioned: `{"format": "potwise-export", "version": 1, "exported_at",
"user": {...}, "categories": [...], "<table>": [rows...], ...}`, one key per table of
the user's data, named as the table is (`accounts`, `transactions`, `automations`,
...), each row with its columns as stored (money in integer minor units next to its
currency, times in UTC, ISO 8601).

Never in it: anything that lets someone act as the user or reach their bank. Whole
tables of credentials are left out (`EXCLUDED_TABLES`), and in every other table a
column whose name says it holds a secret (`is_secret_column`: encrypted tokens,
hashes, secrets, passwords, verifiers) is dropped, as is such a key anywhere inside
a JSON column; connections keep their metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, select
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import USER_OWNED_MODELS, Base, User, table_of
from potwise.db.scoping import for_user
from potwise.services.insight import own_categories

FORMAT = "potwise-export"
VERSION = 1
BATCH_SIZE = 500

#: Tables that are credentials, not data: never exported, and why.
EXCLUDED_TABLES = {
    "sessions": "browser sign-ins: token hashes and addresses",
    "api_tokens": "personal API tokens: their hashes",
    "oauth_states": "bank sign-in handshakes in flight: PKCE verifiers",
    "totp_factors": "the two-factor secret",
    "recovery_codes": "two-factor recovery codes: their hashes",
    "passkeys": "passkeys: credentials bound to this server",
    "webauthn_challenges": "passkey ceremonies in flight",
}
_SECRET_COLUMN = re.compile(
    r"(_enc$|_encrypted$|_hash$|secret|password|verifier|token$)", re.IGNORECASE
)
# Keys of a Web Push subscription that let anyone push to the browser.
_SECRET_KEYS = frozenset({"auth", "p256dh"})
_USER_FIELDS = ("id", "email", "timezone", "created_at", "automations_paused")


def is_secret_column(name: str) -> bool:
    """Whether a column's name (or a key inside a JSON column) says it holds a secret
    (never exported)."""
    return _SECRET_COLUMN.search(name) is not None or name in _SECRET_KEYS


def scrub(value: Any) -> Any:
    """A JSON column's value without any key that names a secret, at any depth (a
    channel's signing secret, a push subscription's keys)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not is_secret_column(str(k))}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def exported_models() -> list[type[Base]]:
    """The user's tables the export holds, in a stable order."""
    return [m for m in USER_OWNED_MODELS if table_of(m).name not in EXCLUDED_TABLES]


def _value(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not exportable")


def _dumps(value: object) -> str:
    return json.dumps(value, default=_value, ensure_ascii=False)


def _columns(model: type[Base]) -> list[Column[Any]]:
    return [c for c in table_of(model).columns if not is_secret_column(c.name)]


def _rows(
    sessions: sessionmaker[Session], model: type[Base], user_id: str
) -> Iterator[list[dict[str, Any]]]:
    """The user's rows of `model`, `BATCH_SIZE` at a time, by primary key."""
    columns = _columns(model)
    key = table_of(model).c.id
    statement = for_user(select(*columns), model, user_id).order_by(key).limit(BATCH_SIZE)
    after: str | None = None
    while True:
        page = statement if after is None else statement.where(key > after)
        with sessions() as db:
            rows = [{k: scrub(v) for k, v in r._mapping.items()} for r in db.execute(page)]
        if rows:
            yield rows
        if len(rows) < BATCH_SIZE:
            return
        after = rows[-1]["id"]


def _head(sessions: sessionmaker[Session], user_id: str, now: datetime) -> dict[str, Any]:
    """The top of the document: its format, the user, the categories they have."""
    with sessions() as db:
        user = db.get(User, user_id)
        if user is None:  # pragma: no cover - the caller was just authenticated
            raise LookupError("The user has gone.")
        head: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": now,
            "user": {field: getattr(user, field) for field in _USER_FIELDS},
        }
        # Every category the user sees, built-in ones too, with how many transactions
        # carry it (their own categories are also the `categories` table below).
        head["categories_in_use"] = [
            {
                "category": view.key,
                "name": view.name,
                "transactions": view.count,
                "standard": view.built_in,
            }
            for view in own_categories.listing(db, user_id)
            if view.count or view.own
        ]
    return head


def _table(sessions: sessionmaker[Session], model: type[Base], user_id: str) -> Iterator[str]:
    yield f",\n{_dumps(table_of(model).name)}: ["
    separator = "\n"
    for batch in _rows(sessions, model, user_id):
        yield separator + ",\n".join(_dumps(row) for row in batch)
        separator = ",\n"
    yield "\n]" if separator != "\n" else "]"


def everything_chunks(
    sessions: sessionmaker[Session], user_id: str, now: datetime
) -> Iterator[str]:
    """The JSON document, in pieces: the head, then each table a batch at a time."""
    head = _dumps(_head(sessions, user_id, now))
    yield head[:-1]  # the object stays open for the tables
    for model in exported_models():
        yield from _table(sessions, model, user_id)
    yield "\n}\n"


def filename(now: datetime) -> str:
    return f"potwise-export-{now.date().isoformat()}.json"
