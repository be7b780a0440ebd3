"""Files the user downloads (their exports): streamed attachments, shared by the API and
the pages."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from fastapi.responses import StreamingResponse

from potwise import clock
from potwise.services import exports
from potwise.web.security import Caller, Db, Sessions, zone_of

CSV_TYPE = "text/csv; charset=utf-8"
OFX_TYPE = "application/x-ofx; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
TRANSACTION_FORMATS = ("csv", "ofx")


def attachment(chunks: Iterator[str], media_type: str, filename: str) -> StreamingResponse:
    """A download named `filename`, streamed, never cached."""
    return StreamingResponse(
        chunks,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def transactions_file(
    request: Request,
    caller: Caller,
    db: Db,
    sessions: Sessions,
    *,
    kind: str,
    account_id: str | None,
    since: str | None,
    until: str | None,
) -> StreamingResponse:
    """The CSV (`kind` "csv") or OFX ("ofx") file of the caller's transactions."""
    selection = exports.select_transactions(
        db,
        caller.user.id,
        account_id=account_id,
        since=since,
        until=until,
        zone=zone_of(request, caller),
    )
    if kind == "ofx":
        chunks = exports.ofx_chunks(sessions, selection, clock.now())
        return attachment(chunks, OFX_TYPE, selection.filename("ofx"))
    return attachment(exports.csv_chunks(sessions, selection), CSV_TYPE, selection.filename("csv"))
