"""The export form on the transactions page: pick an account, the days and a format,
and the file downloads (the same files as `/api/v1/export/...`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from potwise.services.errors import InvalidInput
from potwise.web.downloads import TRANSACTION_FORMATS, transactions_file
from potwise.web.security import Db, Sessions
from potwise.web.ui.access import PageCaller

router = APIRouter(include_in_schema=False)


@router.get("/transactions/export")
def export_transactions(
    request: Request, caller: PageCaller, db: Db, sessions: Sessions
) -> StreamingResponse:
    params = request.query_params
    kind = params.get("format", "csv").strip()
    if kind not in TRANSACTION_FORMATS:
        raise InvalidInput("Choose CSV or OFX as the format.")
    return transactions_file(
        request,
        caller,
        db,
        sessions,
        kind=kind,
        account_id=params.get("account", "").strip()[:64] or None,
        since=params.get("since", "").strip()[:40] or None,
        until=params.get("until", "").strip()[:40] or None,
    )
