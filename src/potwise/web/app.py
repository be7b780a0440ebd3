"""The FastAPI application factory: `create_app(settings)`."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import structlog
from fastapi import FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from potwise import __version__
from potwise.db.engine import make_engine, make_session_factory
from potwise.logs import get_logger
from potwise.services.auth import AuthPolicy
from potwise.services.automations import triggers
from potwise.services.cashflow import alerts as commitment_alerts
from potwise.services.cashflow import alignment as commitment_alignment
from potwise.services.connections import build_context
from potwise.services.insight import budgets
from potwise.settings import Settings
from potwise.web import api, webhooks
from potwise.web.errors import error_body, install_error_handlers
from potwise.web.security import csrf_rejection
from potwise.web.ui import (
    automation_pages,
    bank_pages,
    cashflow_pages,
    connect,
    insight_pages,
    pages,
)
from potwise.web.ui.formatting import format_money

log = get_logger(__name__)
UI_DIR = Path(__file__).parent / "ui"


# Pages and the API load nothing from elsewhere; the API docs need an inline bootstrap.
def page_csp(settings: Settings) -> str:
    """Pages load nothing from elsewhere. Forms may only post to us, and (because a
    browser applies form-action to redirects too) lead on to the banks' sign-in pages."""
    banks = " ".join(
        sorted({_origin(settings.monzo_auth_url), _origin(settings.truelayer_auth_url)})
    )
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self'; frame-ancestors 'none'; form-action 'self' {banks}; "
        "base-uri 'none'; object-src 'none'"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
)


def _security_headers(response: Response, path: str, csp: str) -> None:
    response.headers.setdefault(
        "Content-Security-Policy", DOCS_CSP if path.startswith("/api/docs") else csp
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    bank_transport: httpx2.BaseTransport | None = None,
) -> FastAPI:
    """Build the app. The engine is created from the settings unless one is given;
    `bank_transport` replaces the network under the bank clients (tests)."""
    background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="potwise-bg")

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        background.shutdown(wait=False, cancel_futures=True)
        app.state.connections.gateway.close()

    app = FastAPI(
        lifespan=lifespan,
        title="potwise",
        version=__version__,
        description="Self-hosted money autopilot for Monzo and Open Banking.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.auth_policy = AuthPolicy(
        secret_key=settings.require_secret_key(),
        registration_open=settings.registration_open,
        production=settings.is_production,
        session_days=settings.session_days,
    )
    app.state.connections = build_context(
        settings, app.state.session_factory, transport=bank_transport
    )
    app.state.events = app.state.connections.events
    app.state.background = background
    triggers.install(app.state.connections, background.submit)
    budgets.install(
        app.state.events,
        app.state.session_factory,
        fallback_timezone=settings.timezone,
        submit=background.submit,
    )
    commitment_alerts.install(
        app.state.events,
        app.state.session_factory,
        fallback_timezone=settings.timezone,
        submit=background.submit,
    )
    commitment_alignment.install(
        app.state.events,
        app.state.session_factory,
        fallback_timezone=settings.timezone,
        submit=background.submit,
    )
    csp = page_csp(settings)
    templates = Jinja2Templates(directory=str(UI_DIR / "templates"))
    templates.env.filters["money"] = format_money
    templates.env.globals["app_version"] = __version__
    app.state.templates = templates

    install_error_handlers(app)

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        incoming = request.headers.get("x-request-id", "")
        request_id = incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            reason = csrf_rejection(request, settings.public_url)
            if reason is not None:
                log.warning("request.csrf_refused", path=request.url.path, reason=reason)
                response: Response = JSONResponse(
                    error_body("csrf_failed", "Cross-site request refused."), status_code=403
                )
            else:
                response = await call_next(request)
            response.headers["X-Request-ID"] = request_id
            _security_headers(response, request.url.path, csp)
            log.info(
                "request.finished",
                method=request.method,
                path=request.url.path,
                status=response.status_code,
                ms=round((time.perf_counter() - started) * 1000, 1),
            )
            return response
        finally:
            structlog.contextvars.unbind_contextvars("request_id")

    @app.get("/api/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="potwise API",
            swagger_js_url="/api/docs/assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs/assets/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    app.mount("/api/docs/assets", StaticFiles(directory=_swagger_assets()), name="docs-assets")
    app.mount("/static", StaticFiles(directory=str(UI_DIR / "static")), name="static")
    app.include_router(api.router)
    app.include_router(webhooks.router)
    app.include_router(connect.router)
    app.include_router(bank_pages.router)
    app.include_router(automation_pages.router)
    app.include_router(insight_pages.router)
    app.include_router(cashflow_pages.router)
    app.include_router(pages.router)
    return app


def _swagger_assets() -> str:
    """Swagger UI ships in a Python package, so no third-party script lives in our tree."""
    import swagger_ui_bundle

    return str(swagger_ui_bundle.swagger_ui_path)
