"""The sandbox as one ASGI app: Monzo and TrueLayer (auth + API) and the control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox import (
    control,
    monzo_api,
    monzo_oauth_routes,
    truelayer_api,
    truelayer_oauth_routes,
)
from potwise.sandbox.errors import (
    ControlError,
    MonzoError,
    TrueLayerError,
    control_error_handler,
    json_response,
    monzo_error_handler,
    not_found_body,
    truelayer_error_handler,
)
from potwise.sandbox.faults import FaultMiddleware
from potwise.sandbox.options import SandboxOptions
from potwise.sandbox.requests import RequestCounter, RouteTable
from potwise.sandbox.world import SandboxWorld


def create_sandbox_app(
    *,
    seed: int = 1,
    years: int = 1,
    users: int = 1,
    now: datetime | None = None,
    **options: Any,
) -> FastAPI:
    """Build the sandbox. `options` are the fields of `SandboxOptions` (token lifetimes,
    windows, unattended cap, startup faults, a frozen clock...)."""
    settings = SandboxOptions.from_kwargs(options)
    world = SandboxWorld(seed=seed, years=years, users=users, now=now, options=settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        world.life.bind(asyncio.get_running_loop())
        yield
        await world.life.stopped()
        world.webhooks.stop()

    app = FastAPI(
        title="potwise bank sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.world = world
    # The demo household is generated up front so the first request is not the slow one.
    world.household("demo")

    monzo_auth, monzo_token = monzo_oauth_routes.build_routers(world)
    mounted = [
        ("/monzo/auth", monzo_auth),
        ("/monzo/api", monzo_token),
        ("/monzo/api", monzo_api.build_router(world)),
        ("/truelayer/auth", truelayer_oauth_routes.build_router(world)),
        ("/truelayer/api/data/v1", truelayer_api.build_router(world)),
        ("/_sandbox", control.build_router(world)),
    ]
    for prefix, router in mounted:
        app.include_router(router, prefix=prefix)

    app.add_exception_handler(MonzoError, monzo_error_handler)
    app.add_exception_handler(TrueLayerError, truelayer_error_handler)
    app.add_exception_handler(ControlError, control_error_handler)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
        body, status = not_found_body(request.url.path, status)
        return json_response(body, status)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_middleware(FaultMiddleware, world=world)
    # Outermost: bank requests are counted with the status the client saw, faults included.
    app.add_middleware(RequestCounter, world=world, routes=RouteTable(mounted))
    return app
