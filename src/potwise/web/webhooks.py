"""`POST /webhooks/monzo/{secret}`: Monzo's `transaction.created` deliveries."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from potwise.services import webhooks
from potwise.services.errors import InvalidInput

router = APIRouter(include_in_schema=True, tags=["webhooks"])

MAX_BODY = 256 * 1024


@router.post("/webhooks/monzo/{secret}", status_code=200)
async def monzo_webhook(secret: str, request: Request) -> JSONResponse:
    """Stores the transaction at once; unknown secrets get 404, malformed bodies 400."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput("Webhook body too large.")
    try:
        payload: Any = json.loads(body)
    except ValueError as exc:
        raise InvalidInput("Webhook body is not JSON.") from exc
    ctx = request.app.state.connections
    events = request.app.state.events
    # The store work is blocking database I/O: keep it off the event loop.
    transaction_id = await run_in_threadpool(webhooks.receive_monzo, ctx, events, secret, payload)
    return JSONResponse({"status": "stored", "transaction_id": transaction_id})
