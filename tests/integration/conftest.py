"""Fixtures for tests that drive the app through HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from potwise.settings import Settings
from potwise.web.app import create_app
from tests.support.accounts import verify_address

GOOD_PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class SignedIn:
    """A user with a browser session (the client holds the cookie)."""

    client: TestClient
    user_id: str
    email: str
    password: str


def sign_up(
    app: FastAPI, email: str, password: str = GOOD_PASSWORD, *, verified: bool = True
) -> SignedIn:
    """Register through the API and sign in with a client of its own; the address is
    confirmed as the operator would (`potwise user verify`) unless `verified` is False."""
    client = TestClient(app)
    registered = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert registered.status_code == 202, registered.text
    login = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    if verified:
        verify_address(app.state.session_factory, email)
    return SignedIn(client, login.json()["user"]["id"], email, password)


@pytest.fixture
def alice(app: FastAPI) -> SignedIn:
    return sign_up(app, "alice@example.com")


@pytest.fixture
def bob(app: FastAPI) -> SignedIn:
    return sign_up(app, "bob@example.com", "another long passphrase")
