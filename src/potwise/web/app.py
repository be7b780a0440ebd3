"""The FastAPI application factory: `create_app(settings)`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

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
from potwise.settings import Settings
from potwise.web import api
from potwise.web.errors import error_body, install_error_handlers
from potwise.web.security import csrf_rejection
from potwise.web.ui import pages

log = get_logger(__name__)
UI_DIR = Path(__file__).parent / "ui"

# Pages and the API load nothing from elsewhere; the API docs need an inline bootstrap.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
)


def _security_headers(response: Response, path: str) -> None:
    response.headers.setdefault(
        "Content-Security-Policy", DOCS_CSP if path.startswith("/api/docs") else CSP
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def create_app(settings: Settings, *, engine: Engine | None = None) -> FastAPI:
    """Build the app. The engine is created from the settings unless one is given."""
    app = FastAPI(
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
    templates = Jinja2Templates(directory=str(UI_DIR / "templates"))
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
            _security_headers(response, request.url.path)
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
    app.include_router(pages.router)
    return app


def _swagger_assets() -> str:
    """Swagger UI ships in a Python package, so no third-party script lives in our tree."""
    import swagger_ui_bundle

    return str(swagger_ui_bundle.swagger_ui_path)
