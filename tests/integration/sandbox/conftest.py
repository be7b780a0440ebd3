"""Fixtures: the sandbox in-process (ASGI) or on a loopback port (uvicorn in a thread)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from potwise.sandbox.app import create_sandbox_app
from tests.support.loopback import serve

NOW = datetime(2026, 5, 19, 12, 0, tzinfo=UTC)
CLIENT = {"client_id": "potwise-sandbox", "client_secret": "sandbox-secret"}
REDIRECT = "http://localhost:8000/connections/monzo/callback"
TL_REDIRECT = "http://localhost:8000/connections/truelayer/callback"
TL_SCOPES = "info accounts balance cards transactions direct_debits standing_orders offline_access"


def make_client(**options: Any) -> TestClient:
    options.setdefault("frozen_clock", True)
    options.setdefault("now", NOW)
    return TestClient(create_sandbox_app(**options))


@pytest.fixture(scope="module")
def shared() -> TestClient:
    """One sandbox for read-only tests in a module (one year of the demo household)."""
    return make_client()


@pytest.fixture
def fresh() -> Callable[..., TestClient]:
    return make_client


def monzo_token_body(client: TestClient, user: str = "demo", state: str = "st") -> dict[str, Any]:
    r = client.get(
        "/monzo/auth/",
        params={
            "client_id": CLIENT["client_id"],
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": state,
            "sandbox_user": user,
            "auto_approve": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 302, r.text
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["state"] == [state]
    r = client.post(
        "/monzo/api/oauth2/token",
        data={
            "grant_type": "authorization_code",
            **CLIENT,
            "redirect_uri": REDIRECT,
            "code": query["code"][0],
        },
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def monzo_login(client: TestClient, user: str = "demo", approve: bool = True) -> dict[str, str]:
    body = monzo_token_body(client, user)
    if approve:
        assert client.post(f"/_sandbox/users/{user}/monzo/approve").json()["approved"] >= 1
    return {"Authorization": f"Bearer {body['access_token']}"}


def truelayer_token_body(
    client: TestClient,
    provider: str,
    scope: str = TL_SCOPES,
    user: str = "demo",
) -> dict[str, Any]:
    r = client.get(
        "/truelayer/auth/",
        params={
            "response_type": "code",
            "client_id": CLIENT["client_id"],
            "redirect_uri": TL_REDIRECT,
            "scope": scope,
            "providers": "uk-ob-all uk-oauth-all",
            "state": "tl",
            "sandbox_user": user,
            "sandbox_provider": provider,
            "auto_approve": "1",
        },
        follow_redirects=False,
    )
    assert r.status_code == 302, r.text
    code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
    r = client.post(
        "/truelayer/auth/connect/token",
        data={
            "grant_type": "authorization_code",
            **CLIENT,
            "redirect_uri": TL_REDIRECT,
            "code": code,
        },
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def truelayer_headers(body: dict[str, Any], attended: bool = True) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    if attended:
        headers["X-PSU-IP"] = "203.0.113.7"
    return headers


@dataclass(frozen=True)
class LiveServer:
    """A sandbox served on a loopback port for the length of a test."""

    url: str


@pytest.fixture
def live() -> Iterator[Callable[..., LiveServer]]:
    with ExitStack() as servers:

        def start(app: FastAPI) -> LiveServer:
            return LiveServer(servers.enter_context(serve(app, log_level="critical")))

        yield start
