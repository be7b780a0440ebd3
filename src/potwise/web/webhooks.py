"""`POST /webhooks/monzo/{secret}`: Monzo's `transaction.created` deliveries."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from potwise.services import webhooks
from potwise.web import jsonbody

router = APIRouter(include_in_schema=True, tags=["webhooks"])

MAX_BODY = 256 * 1024


@router.post("/webhooks/monzo/{secret}", status_code=200)
async def monzo_webhook(secret: str, request: Request) -> JSONResponse:
    """Stores the transaction at once; unknown secrets get 404, malformed bodies 400.

    The secret is checked before a byte of the body is read, so a stranger's
    delivery costs one lookup; a known one is read up to `MAX_BODY`, no further.
    """
    ctx = request.app.state.connections
    events = request.app.state.events
    # The store work is blocking database I/O: keep it off the event loop.
    await run_in_threadpool(webhooks.require_known_secret, ctx, secret)
    body = await jsonbody.read_limited(request, MAX_BODY)
    payload = jsonbody.loads(body, "Webhook body")
    transaction_id = await run_in_threadpool(webhooks.receive_monzo, ctx, events, secret, payload)
    return JSONResponse({"status": "stored", "transaction_id": transaction_id})
