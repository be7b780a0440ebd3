"""Transactions as CSV: one row per transaction, oldest first, streamed a batch at a time.

Amounts are given twice: as a signed decimal in pounds (`-12.34`) and as signed
integer pence (`-1234`); money leaving is negative (DESIGN.md). Dates and times are
ISO 8601 in the user's time zone (no time for a bank that gave only a date). The
`merchant` column is the one name the pages show. Every text cell that a spreadsheet would run as a
formula starts with an apostrophe (`domain/export_cells.py`). Every status is
included (pending, settled, declined), named in the `status` column: add up the
settled rows for what has left the account.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Transaction
from potwise.domain.export_cells import major_units, safe_cell
from potwise.services import mirror
from potwise.services.exports.selection import Selection, all_transactions

COLUMNS = (
    "date",
    "time",
    "account",
    "merchant",
    "description",
    "amount",
    "amount_pence",
    "currency",
    "category",
    "classification",
    "status",
    "settled_date",
    "local_amount",
    "local_currency",
    "external_id",
    "id",
    "account_id",
)


def _foreign(t: Transaction) -> tuple[str, str]:
    """The amount in the currency spent (abroad), and that currency; blank otherwise."""
    if t.local_currency is None or t.local_amount is None:
        return "", ""
    return major_units(t.local_amount, t.local_currency), t.local_currency


def _row(t: Transaction, account_names: dict[str, str], shown: str, zone: ZoneInfo) -> list[str]:
    local = t.created_at.astimezone(zone)
    return [
        local.date().isoformat(),
        # A bank that gave only a date gets no invented time.
        "" if t.date_only else local.isoformat(timespec="seconds"),
        account_names.get(t.account_id, ""),
        shown,
        t.description or "",
        major_units(t.amount, t.currency),
        str(t.amount),
        t.currency,
        t.category or t.provider_category or "",
        t.classification or "",
        t.status,
        t.settled_at.astimezone(zone).date().isoformat() if t.settled_at else "",
        *_foreign(t),
        t.external_id,
        t.id,
        t.account_id,
    ]


def _lines(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def csv_chunks(sessions: sessionmaker[Session], selection: Selection) -> Iterator[str]:
    """The CSV file, in pieces: the header, then one piece per batch of rows."""
    names = selection.names()
    zone = selection.period.zone
    yield _lines([list(COLUMNS)])
    for batch in all_transactions(sessions, selection):
        # The name each row goes by on the pages (a pot move names its pot).
        with sessions() as db:
            shown = mirror.transaction_names(db, selection.user_id, batch)
        yield _lines([_row(t, names, shown[t.id], zone) for t in batch])
