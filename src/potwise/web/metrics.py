"""`GET /metrics`: Prometheus's text format, behind `POTWISE_METRICS_TOKEN`.

Installed only when the token is set (unset, the address answers 404 like any
other unknown one). A scrape must carry `Authorization: Bearer <token>`; the token is
compared in constant time and never logged. What is shown: `observability/`.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, HTTPException, Request, Response

from potwise.observability import exposition
from potwise.services import metrics

router = APIRouter(include_in_schema=False)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="metrics"'}


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Both sides compared whole, as bytes: the time taken tells nothing of the token.
    matches = hmac.compare_digest(given.strip().encode(), token.encode())
    return scheme.lower() == "bearer" and matches


@router.get("/metrics")
def scrape(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if token is None or not _authorised(request, token.get_secret_value()):
        raise HTTPException(
            status_code=401, detail="A valid metrics bearer token is required.", headers=_CHALLENGE
        )
    figures = metrics.read_figures(request.app.state.connections)
    return Response(exposition.render(figures), media_type=exposition.CONTENT_TYPE)
