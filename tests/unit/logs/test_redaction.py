"""Passwords, tokens, cookies and Authorization headers never reach the log output."""

from __future__ import annotations

import io
import json
import logging

import pytest

from potwise.logs import configure_logging, get_logger

SECRETS = {
    "password": "hunter2-hunter2-hunter2",
    "token": "pw_abcdefghijklmnopqrstuvwxyz0123456789",
    "cookie": "potwise_session=s3ss10n-c00k1e-value-xyz",
    "authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
    "refresh_token": "rt-very-secret-refresh-value",
    "client_secret": "cs-very-secret-client-value",
}


@pytest.mark.parametrize("production", [True, False])
def test_secrets_in_fields_nested_values_and_text_are_redacted(production: bool) -> None:
    out = io.StringIO()
    configure_logging(production=production, stream=out)
    log = get_logger("test")
    log.info("login.attempt", password=SECRETS["password"], user_id="u1")
    log.info("http.request", headers={"Authorization": SECRETS["authorization"], "Accept": "*/*"})
    log.info("http.cookies", request_headers=[("cookie", SECRETS["cookie"])])
    log.info("oauth.refreshed", refresh_token=SECRETS["refresh_token"])
    log.info("settings", client_secret=SECRETS["client_secret"], api_token=SECRETS["token"])
    log.warning(f"call failed: GET /callback?code=abc123secretcode&state=xyz {SECRETS['token']}")
    logging.getLogger("third.party").warning("sent Authorization: %s", SECRETS["authorization"])
    output = out.getvalue()
    for name, value in SECRETS.items():
        assert value not in output, name
    assert "abc123secretcode" not in output
    assert "[redacted]" in output
    assert "u1" in output  # ordinary fields survive
    assert "*/*" in output


def test_production_logs_are_json_lines() -> None:
    out = io.StringIO()
    configure_logging(production=True, stream=out)
    get_logger("test").info("sync.finished", connections=3)
    line = out.getvalue().strip().splitlines()[-1]
    record = json.loads(line)
    assert record["event"] == "sync.finished"
    assert record["connections"] == 3
    assert record["level"] == "info"


@pytest.mark.parametrize("production", [True, False])
def test_another_librarys_traceback_is_plain_and_redacted(production: bool) -> None:
    out = io.StringIO()
    configure_logging(production=production, stream=out)
    local_marker = "a-local-variable-value-not-in-the-message"
    try:
        headers = {"cookie": SECRETS["cookie"], "marker": local_marker}  # noqa: F841
        raise RuntimeError(
            f"failed: {[(b'authorization', SECRETS['authorization'].encode())]} "
            f"{{'password': '{SECRETS['password']}'}} /webhooks/monzo/wh-secret-0123456789"
        )
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    output = out.getvalue()
    assert "Exception in ASGI application" in output
    assert "RuntimeError" in output
    assert local_marker not in output  # no local variables in tracebacks
    for name, value in SECRETS.items():
        assert value not in output, name
    assert "wh-secret-0123456789" not in output
    assert "/webhooks/monzo/[redacted]" in output
