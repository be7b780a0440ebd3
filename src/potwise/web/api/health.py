"""Liveness and readiness (no auth)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from potwise.db import migrate
from potwise.web.api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        body = Readiness(status="unavailable", database="unreachable", migrations="unknown")
        return JSONResponse(body.model_dump(), status_code=503)
    at_head = migrate.is_at_head(engine)
    body = Readiness(
        status="ok" if at_head else "unavailable",
        database="ok",
        migrations="current" if at_head else "pending",
    )
    return JSONResponse(body.model_dump(), status_code=200 if at_head else 503)
