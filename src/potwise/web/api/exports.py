"""`/api/v1/export/...`: the user's transactions as CSV or OFX, and everything as JSON.

Each answers an attachment, streamed; what would make it fail (an account that is not
the caller's, a period that makes no sense) is checked before the first byte.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from potwise import clock
from potwise.services import exports
from potwise.web.downloads import JSON_TYPE, attachment, transactions_file
from potwise.web.security import CurrentCaller, Db, Sessions, zone_of

router = APIRouter(tags=["export"])

AccountId = Annotated[
    str | None, Query(max_length=32, description="One of your accounts; omit for all of them.")
]
Since = Annotated[
    str | None,
    Query(
        max_length=40,
        description="First day (2026-11-01, in your time zone), or a time with a zone.",
    ),
]
Until = Annotated[
    str | None,
    Query(
        max_length=40,
        description="Last day, included whole (2026-11-30), or a time with a zone (excluded).",
    ),
]


@router.get(
    "/export/transactions.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The CSV file."}},
)
def export_csv(
    request: Request,
    caller: CurrentCaller,
    db: Db,
    sessions: Sessions,
    account_id: AccountId = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """Your transactions, oldest first, one row each: every status, amounts in pounds
    and in pence (money out negative), dates in your time zone."""
    return transactions_file(
        request, caller, db, sessions, kind="csv", account_id=account_id, since=since, until=until
    )


@router.get(
    "/export/transactions.ofx",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ofx": {}}, "description": "The OFX file."}},
)
def export_ofx(
    request: Request,
    caller: CurrentCaller,
    db: Db,
    sessions: Sessions,
    account_id: AccountId = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    """Your settled transactions as OFX 2.2: one statement per account (all of your
    accounts when `account_id` is omitted), credit cards as card statements. Pending
    transactions are left out until they settle."""
    return transactions_file(
        request, caller, db, sessions, kind="ofx", account_id=account_id, since=since, until=until
    )


@router.get(
    "/export/all.json",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/json": {}}, "description": "Everything."}},
)
def export_all(request: Request, caller: CurrentCaller, sessions: Sessions) -> StreamingResponse:
    """Everything you own in potwise, one key per table, versioned
    (`"format": "potwise-export", "version": 1`); never a token, secret or hash."""
    now = clock.now()
    chunks = exports.everything_chunks(sessions, caller.user.id, now)
    local = now.astimezone(zone_of(request, caller))
    return attachment(chunks, JSON_TYPE, exports.everything_filename(local))
