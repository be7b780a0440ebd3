"""Fixtures for the security suite: the app over HTTP, a signed-in caller's
credentials, a route that fails, and the log captured as text."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy import Engine, text

from potwise.logs import configure_logging
from potwise.settings import Settings
from potwise.web.app import create_app
from potwise.web.security import SESSION_COOKIE, CurrentCaller, Db
from tests.integration.conftest import alice, bob, client, sign_up

# The integration suite's signed-in users and client, over this suite's app.
__all__ = ["alice", "bob", "client"]

FAILING_ROUTE = "/api/v1/test-failure/{item_id}"
FAILING_TABLE = "no_such_table"


@dataclass(frozen=True)
class Credentials:
    """A signed-in user's bearer token and session cookie value."""

    token: str
    session_cookie: str


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    """The app, with one extra route that fails the way an unexpected bug does: deep in
    the database layer, in a signed-in user's request (what a traceback holds then is
    what made one error stall the server)."""
    app = create_app(settings, engine=engine)

    def fail(item_id: str, caller: CurrentCaller, db: Db) -> None:
        db.execute(text("SELECT * FROM no_such_table WHERE id = :id"), {"id": item_id})

    app.add_api_route(FAILING_ROUTE, fail, methods=["GET"])
    return app


@pytest.fixture
def credentials(app: FastAPI) -> Credentials:
    user = sign_up(app, "eve@example.com")
    created = user.client.post("/api/v1/auth/tokens", json={"name": "cli"})
    assert created.status_code == 201, created.text
    cookie = user.client.cookies.get(SESSION_COOKIE)
    assert cookie
    return Credentials(token=created.json()["token"], session_cookie=cookie)


@contextmanager
def captured_log(*, production: bool) -> Iterator[io.StringIO]:
    """Configure logging as the product does, writing to a buffer the test reads;
    the previous configuration is restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging(production=production, stream=out)
    try:
        yield out
    finally:
        structlog.reset_defaults()
        root.handlers, root.level = handlers, level
