"""An unexpected error neither stalls the server nor writes credentials to the log, and
no log line names a secret that sits in a request's address."""

from __future__ import annotations

import json
import secrets
import threading
import time

import httpx2
import pytest
from fastapi import FastAPI

from potwise.web.route_names import UNMATCHED
from potwise.web.serving import UVICORN_OPTIONS
from tests.security.conftest import FAILING_TABLE, Credentials, captured_log
from tests.support.loopback import serve

# How long a test waits for any answer: well past the 1 s promise, well short of a stall.
PATIENCE = 5.0


def _failing_request(base: str, credentials: Credentials) -> httpx2.Response:
    return httpx2.get(
        f"{base}/api/v1/test-failure/item-1",
        headers={"Authorization": f"Bearer {credentials.token}"},
        cookies={"potwise_session": credentials.session_cookie},
        timeout=PATIENCE,
    )


def _substrings(secret: str, size: int = 8) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


@pytest.mark.timing
@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_a_failing_request_does_not_delay_a_health_check(
    app: FastAPI, credentials: Credentials, production: bool
) -> None:
    with captured_log(production=production) as out, serve(app, **UVICORN_OPTIONS) as base:
        httpx2.get(f"{base}/api/v1/health", timeout=PATIENCE)  # a warm server
        failing: dict[str, httpx2.Response] = {}
        thread = threading.Thread(
            target=lambda: failing.update(answer=_failing_request(base, credentials))
        )
        thread.start()
        time.sleep(0.1)  # the failing request is in flight
        started = time.monotonic()
        try:
            health = httpx2.get(f"{base}/api/v1/health", timeout=PATIENCE)
        except httpx2.TimeoutException:
            pytest.fail(f"the health check was held for more than {PATIENCE} s")
        waited = time.monotonic() - started
        thread.join(timeout=PATIENCE)
    assert health.status_code == 200
    assert waited < 1.0, f"the health check waited {waited:.1f} s"
    assert failing["answer"].status_code == 500
    assert FAILING_TABLE in out.getvalue()  # the error itself is still logged
    assert len(out.getvalue().splitlines()) < 500


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
def test_no_credential_or_webhook_secret_reaches_the_log(
    app: FastAPI, credentials: Credentials, production: bool
) -> None:
    webhook_secret = secrets.token_urlsafe(32)
    with captured_log(production=production) as out, serve(app, **UVICORN_OPTIONS) as base:
        assert _failing_request(base, credentials).status_code == 500
        delivered = httpx2.post(
            f"{base}/webhooks/monzo/{webhook_secret}",
            json={"type": "transaction.created", "data": {}},
            timeout=PATIENCE,
        )
        assert delivered.status_code == 404
    output = out.getvalue()
    assert "Exception in ASGI application" in output  # uvicorn's own record went through
    for name, secret in {
        "bearer token": credentials.token,
        "session cookie": credentials.session_cookie,
        "webhook secret": webhook_secret,
    }.items():
        leaked = [part for part in _substrings(secret) if part in output]
        assert not leaked, f"{name} in the log: {leaked[:3]}"


def _finished_lines(output: str) -> list[dict[str, object]]:
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [r for r in records if r.get("event") == "request.finished"]


def test_request_finished_names_the_route_template_not_the_path(app: FastAPI) -> None:
    with captured_log(production=True) as out, serve(app, **UVICORN_OPTIONS) as base:
        httpx2.post(f"{base}/webhooks/monzo/{secrets.token_urlsafe(32)}", json={}, timeout=5)
        httpx2.get(f"{base}/no-such-page/{secrets.token_urlsafe(32)}", timeout=5)
        httpx2.get(f"{base}/api/v1/health", timeout=5)
    paths = [line["path"] for line in _finished_lines(out.getvalue())]
    assert paths == ["/webhooks/monzo/{secret}", UNMATCHED, "/api/v1/health"]


def test_a_request_whose_error_escaped_still_gets_its_finished_line(
    app: FastAPI, credentials: Credentials
) -> None:
    with captured_log(production=True) as out, serve(app, **UVICORN_OPTIONS) as base:
        assert _failing_request(base, credentials).status_code == 500
        httpx2.get(f"{base}/api/v1/health", timeout=5)
    finished = [(line["path"], line["status"]) for line in _finished_lines(out.getvalue())]
    assert finished == [("/api/v1/test-failure/{item_id}", 500), ("/api/v1/health", 200)]
