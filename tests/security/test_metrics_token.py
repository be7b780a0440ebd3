"""The metrics token is never written to the log, right or wrong, in either log format."""

from __future__ import annotations

import secrets

import httpx2
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from potwise.settings import Settings
from potwise.web.app import create_app
from potwise.web.serving import UVICORN_OPTIONS
from tests.security.conftest import captured_log
from tests.support.loopback import serve


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_no_piece_of_the_metrics_token_reaches_the_log(
    settings: Settings, engine: Engine, production: bool
) -> None:
    token = secrets.token_urlsafe(32)
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(token)}), engine=engine)
    with captured_log(production=production) as out, serve(app, **UVICORN_OPTIONS) as base:
        right = httpx2.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token}"})
        wrong = httpx2.get(f"{base}/metrics", headers={"Authorization": f"Bearer {token[:-1]}"})
    assert (right.status_code, wrong.status_code) == (200, 401)
    log = out.getvalue()
    assert "request.finished" in log
    assert not [token[i : i + 8] for i in range(len(token) - 7) if token[i : i + 8] in log]
