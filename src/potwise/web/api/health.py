"""Liveness and readiness (no auth).

HEAD answers as GET does, status and headers, without the body (load balancers and
container health checks often probe with HEAD). It is left out of the OpenAPI document,
where it would repeat the GET operation under the same id."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from potwise.services import readiness
from potwise.web.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
@router.head("/health", include_in_schema=False)
def health() -> Health:
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
@router.head("/ready", include_in_schema=False)
def ready(request: Request) -> JSONResponse:
    found = readiness.check(request.app.state.engine)
    if not found.database_reachable:
        body = Readiness(status="unavailable", database="unreachable", migrations="unknown")
        return JSONResponse(body.model_dump(), status_code=503)
    at_head = bool(found.migrations_current)
    body = Readiness(
        status="ok" if at_head else "unavailable",
        database="ok",
        migrations="current" if at_head else "pending",
    )
    return JSONResponse(body.model_dump(), status_code=200 if at_head else 503)
