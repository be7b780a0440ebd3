"""The app as uvicorn serves it (`potwise serve`'s options), over HTTP on loopback:
X-Forwarded-For is believed only from the proxies in POTWISE_FORWARDED_ALLOW_IPS, so
the sign-in limiter counts real clients behind a trusted proxy; and the health
endpoints answer HEAD."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine

from potwise.services.auth import MAX_FAILURES_PER_ADDRESS
from potwise.web.app import create_app
from potwise.web.serving import uvicorn_options
from tests.conftest import make_settings
from tests.support.loopback import loopback_socket, serve, url_of

FIRST_CLIENT = "203.0.113.7"
SECOND_CLIENT = "198.51.100.9"


@contextmanager
def _served(
    tmp_path: Path, database_url: str, engine: Engine, **settings: object
) -> Iterator[httpx2.Client]:
    sock = loopback_socket()
    values = make_settings(tmp_path, database_url, public_url=url_of(sock), **settings)
    app = create_app(values, engine=engine)
    with (
        serve(app, sock, **uvicorn_options(values)) as url,
        httpx2.Client(base_url=url, timeout=30) as client,
    ):
        yield client


def _failed_login(client: httpx2.Client, forwarded_for: str) -> int:
    """A wrong password for a new address each time, so only the client's count grows."""
    response = client.post(
        "/api/v1/auth/login",
        json={"email": f"{uuid.uuid4().hex[:12]}@example.com", "password": "not-the-password"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def _use_up_first_client(client: httpx2.Client) -> None:
    for _ in range(MAX_FAILURES_PER_ADDRESS):
        assert _failed_login(client, FIRST_CLIENT) == 401
    assert _failed_login(client, FIRST_CLIENT) == 429


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_on_its_own(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    with _served(tmp_path, database_url, engine, forwarded_allow_ips="127.0.0.1") as client:
        _use_up_first_client(client)
        assert _failed_login(client, SECOND_CLIENT) == 401


def test_from_an_untrusted_peer_the_forwarded_header_is_ignored(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    with _served(tmp_path, database_url, engine, forwarded_allow_ips="10.9.9.9") as client:
        _use_up_first_client(client)
        # Every request came from 127.0.0.1, whatever the header said.
        assert _failed_login(client, SECOND_CLIENT) == 429


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/ready"])
def test_health_endpoints_answer_head_like_get_without_a_body(
    tmp_path: Path, database_url: str, engine: Engine, path: str
) -> None:
    with _served(tmp_path, database_url, engine) as client:
        got = client.get(path)
        head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert got.content
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]
