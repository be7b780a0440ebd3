"""The FastAPI application factory: `create_app(settings)`.

Building the app is a few named steps: the shared state (engine, sessions, the
bank context), the subscribers that react to events, the templates, the error
handlers, the middleware around every request, and the routes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from potwise import __version__
from potwise.bootstrap import bootstrap
from potwise.db.engine import make_engine, make_session_factory
from potwise.domain.merchants import bill_name
from potwise.services.account_mail import mailer_for
from potwise.services.auth import AuthPolicy
from potwise.services.automations.triggers import Dispatch
from potwise.services.presence import Presence
from potwise.settings import Settings
from potwise.web import api, docs, metrics, middleware, openapi, webhooks
from potwise.web.errors import install_error_handlers
from potwise.web.limits import BodyLimit
from potwise.web.ui import navigation, site
from potwise.web.ui.bank_display import day_of
from potwise.web.ui.formatting import format_money

UI_DIR = Path(__file__).parent / "ui"


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    bank_transport: httpx2.BaseTransport | None = None,
    dispatch: Dispatch | None = None,
) -> FastAPI:
    """Build the app. The engine is created from the settings unless one is given;
    `bank_transport` replaces the network under the bank clients (tests); `dispatch`
    sends the rules a webhook or a sync touched to the task queue (PostgreSQL) instead
    of the app's background pool."""
    background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="potwise-bg")
    app = FastAPI(
        lifespan=_lifespan(background),
        title="potwise",
        version=__version__,
        description="Self-hosted money autopilot for Monzo and Open Banking.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    _build_state(app, settings, engine, bank_transport, background, dispatch)
    app.state.templates = _templates()
    app.state.templates.env.globals["mail_enabled"] = settings.mail_enabled
    install_error_handlers(app)
    # Innermost of the wrappers, so a refused body is still logged with its 413.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    middleware.install(app, settings)
    _install_routes(app, settings)
    return app


def _lifespan(
    background: ThreadPoolExecutor,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """On shutdown: stop the background work and close the bank clients' connections."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        background.shutdown(wait=False, cancel_futures=True)
        app.state.connections.gateway.close()

    return lifespan


def _build_state(
    app: FastAPI,
    settings: Settings,
    engine: Engine | None,
    bank_transport: httpx2.BaseTransport | None,
    background: ThreadPoolExecutor,
    dispatch: Dispatch | None = None,
) -> None:
    """What every request shares: settings, the engine and its sessions, the sign-in
    policy, the bank context (clients, vault, events) and the background pool."""
    app.state.settings = settings
    app.state.mailer = mailer_for(settings)
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.session_factory = make_session_factory(app.state.engine)
    app.state.auth_policy = AuthPolicy(
        secret_key=settings.require_secret_key(),
        registration_open=settings.registration_open,
        registration=settings.registration,
        production=settings.is_production,
        session_days=settings.session_days,
    )
    # Rules, alerts and the rest run off the request's thread, in the background pool.
    app.state.connections = bootstrap(
        settings,
        app.state.session_factory,
        submit=background.submit,
        transport=bank_transport,
        dispatch=dispatch,
    )
    app.state.events = app.state.connections.events
    app.state.background = background
    # A page that shows what the cards owe reads them, attended, when they are due.
    app.state.presence = Presence(app.state.connections, background.submit)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(UI_DIR / "templates"))
    templates.env.filters["money"] = format_money
    templates.env.globals["app_version"] = __version__
    templates.env.globals["bill_name"] = bill_name
    templates.env.globals["day_of"] = day_of
    templates.env.globals["nav_sections"] = navigation.SECTIONS
    templates.env.globals["section_of"] = navigation.section_of
    return templates


def _install_routes(app: FastAPI, settings: Settings) -> None:
    """The API docs, static files, the JSON API, webhooks, `/metrics` when its token is
    set, then the pages; the OpenAPI document describes the routes' security and error
    bodies (`web/openapi.py`)."""
    docs.install(app)
    app.mount("/static", StaticFiles(directory=str(UI_DIR / "static")), name="static")
    app.include_router(api.router)
    app.include_router(webhooks.router)
    if settings.metrics_token is not None:
        app.include_router(metrics.router)
    site.install(app)
    openapi.install(app)
