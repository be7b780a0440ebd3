"""What every answer says about the server: not its name, and (over https) that
browsers must not come back over plain http."""

from __future__ import annotations

from pathlib import Path

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from potwise.web.app import create_app
from potwise.web.middleware import HSTS
from potwise.web.serving import UVICORN_OPTIONS
from tests.conftest import make_settings
from tests.support.loopback import serve

PAGES = ("/api/v1/health", "/login", "/no-such-page")


def test_the_server_does_not_name_itself(tmp_path: Path, database_url: str, engine: Engine) -> None:
    app = create_app(make_settings(tmp_path, database_url), engine=engine)
    with serve(app, **UVICORN_OPTIONS) as base:
        answers = [httpx2.get(base + page, timeout=5) for page in PAGES]
    for answer in answers:
        assert "server" not in answer.headers, answer.url


def test_hsts_only_when_the_public_url_is_https(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    for public_url, expected in (("https://money.example", HSTS), ("http://localhost:8000", None)):
        settings = make_settings(tmp_path, database_url, public_url=public_url)
        with TestClient(create_app(settings, engine=engine), base_url=public_url) as client:
            for page in PAGES:
                answer = client.get(page, follow_redirects=False)
                assert answer.headers.get("strict-transport-security") == expected, (
                    public_url,
                    page,
                )
    assert HSTS == "max-age=31536000; includeSubDomains"
