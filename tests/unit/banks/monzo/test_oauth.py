"""Monzo OAuth: the authorize URL, code exchange, single-use refresh, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from potwise.banks.errors import (
    AuthExpired,
    BadResponse,
    ConsentExpired,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from potwise.banks.monzo import MonzoOAuth
from tests.unit.banks.monzo import payloads
from tests.unit.banks.monzo.scripted import (
    API_URL,
    AUTH_URL,
    Answer,
    ScriptedMonzo,
    form_of,
    raw,
    reply,
)

CLIENT_ID = "oauth2client_0000F3aSdF4gH5jK6lQ7wE"
SECRET = "mnzconf.invented-secret"
REDIRECT = "https://potwise.example.invalid/connections/monzo/callback"
NOW = datetime(2026, 5, 19, 9, 0, tzinfo=UTC)
OLD_REFRESH = "eyJhbGciOiJFUzI1NiJ9.old.refresh"


def oauth_for(api: ScriptedMonzo, secret: str | None = SECRET) -> MonzoOAuth:
    return MonzoOAuth(
        api.client(),
        auth_url=AUTH_URL + "/",
        api_url=API_URL,
        client_id=CLIENT_ID,
        client_secret=secret,
    )


def test_the_authorize_url_asks_for_a_code_with_our_state() -> None:
    url = oauth_for(ScriptedMonzo()).authorize_url(redirect_uri=REDIRECT, state="st&te=1")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == AUTH_URL + "/"
    assert parse_qs(parts.query) == {
        "client_id": [CLIENT_ID],
        "redirect_uri": [REDIRECT],
        "response_type": ["code"],
        "state": ["st&te=1"],
    }


def test_a_code_is_exchanged_with_a_form_and_no_bearer_header() -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(200, payloads.token_response()))
    tokens = oauth_for(api).exchange_code(code="code-123", redirect_uri=REDIRECT, now=NOW)
    [request] = api.requests
    assert "Authorization" not in request.headers
    assert form_of(request) == {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "redirect_uri": REDIRECT,
        "code": "code-123",
    }
    assert tokens.access_token == "eyJhbGciOiJFUzI1NiJ9.invented.payload"
    assert tokens.refresh_token == "eyJhbGciOiJFUzI1NiJ9.invented.refresh"
    assert tokens.expires_at == NOW + timedelta(seconds=21600)  # from expires_in, never assumed
    assert tokens.provider_user_id == payloads.USER
    assert tokens.token_type == "Bearer"


def test_the_lifetime_follows_expires_in() -> None:
    api = ScriptedMonzo().on(
        "POST", "/oauth2/token", reply(200, payloads.token_response(expires_in=108000))
    )
    tokens = oauth_for(api).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW)
    assert tokens.expires_at == NOW + timedelta(hours=30)


def test_a_non_confidential_client_sends_no_secret_and_gets_no_refresh_token() -> None:
    body = payloads.token_response()
    del body["refresh_token"]
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(200, body))
    tokens = oauth_for(api, secret=None).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW)
    assert "client_secret" not in form_of(api.requests[0])
    assert tokens.refresh_token is None


def test_a_refresh_rotates_both_tokens() -> None:
    answer = payloads.token_response(access_token="new-access", refresh_token="new-refresh")
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(200, answer))
    tokens = oauth_for(api).refresh(refresh_token=OLD_REFRESH, now=NOW)
    [request] = api.requests
    assert "Authorization" not in request.headers
    assert form_of(request) == {
        "grant_type": "refresh_token",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "refresh_token": OLD_REFRESH,
    }
    assert (tokens.access_token, tokens.refresh_token) == ("new-access", "new-refresh")


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            reply(401, payloads.error("unauthorized.bad_refresh_token", "Bad refresh token")),
            id="used",
        ),
        pytest.param(
            reply(401, payloads.error("unauthorized.bad_refresh_token.evicted")), id="evicted"
        ),
        pytest.param(reply(400, {"error": "invalid_grant"}), id="oauth-invalid-grant"),
        pytest.param(
            reply(400, payloads.error("unauthorized.bad_refresh_token")), id="400-bad-token"
        ),
        pytest.param(reply(403, payloads.error("forbidden")), id="forbidden"),
        pytest.param(raw(401, "Unauthorized", "text/plain"), id="bare-401"),
    ],
)
def test_a_refused_refresh_token_means_the_consent_is_gone(answer: httpx2.Response) -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/token", answer)
    with pytest.raises(ConsentExpired) as caught:
        oauth_for(api).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert OLD_REFRESH not in str(caught.value)
    assert SECRET not in str(caught.value)
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (reply(503, payloads.error("internal_service")), ProviderUnavailable),
        (httpx2.ReadTimeout("timed out"), ProviderUnavailable),
        (reply(429, {}, headers={"Retry-After": "5"}), RateLimited),
    ],
)
def test_a_refresh_is_never_retried_because_its_token_is_single_use(
    answer: Answer, error: type[Exception]
) -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/token", answer, reply(200, payloads.token_response()))
    with pytest.raises(error):
        oauth_for(api).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert len(api.requests) == 1


def test_an_unrelated_refresh_refusal_is_a_rejection_not_a_lost_consent() -> None:
    api = ScriptedMonzo().on(
        "POST", "/oauth2/token", reply(400, payloads.error("bad_request.missing_param.client_id"))
    )
    with pytest.raises(RequestRejected) as caught:
        oauth_for(api).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert not isinstance(caught.value, ConsentExpired)
    assert caught.value.error_code == "bad_request.missing_param.client_id"


@pytest.mark.parametrize(
    "code",
    ["unauthorized.bad_authorization_code.used", "unauthorized.bad_authorization_code.expired"],
)
def test_a_used_or_expired_code_is_rejected_not_an_expired_token(code: str) -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(401, payloads.error(code)))
    with pytest.raises(RequestRejected) as caught:
        oauth_for(api).exchange_code(code="code-123", redirect_uri=REDIRECT, now=NOW)
    assert not isinstance(caught.value, AuthExpired | ConsentExpired)
    assert caught.value.error_code == code
    assert "code-123" not in str(caught.value)
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"token_type": "Bearer", "expires_in": 21600},
        payloads.token_response(access_token=""),
        payloads.token_response(expires_in="soon"),
        [payloads.token_response()],
    ],
)
def test_a_token_answer_without_a_usable_token_is_a_bad_response(body: object) -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(200, body))
    with pytest.raises(BadResponse):
        oauth_for(api).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW)


def test_a_token_without_expires_in_is_due_for_refresh_at_once() -> None:
    # Documented as always present; if it is not, no lifetime is guessed.
    body = payloads.token_response()
    del body["expires_in"]
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(200, body))
    tokens = oauth_for(api).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert tokens.expires_at == NOW
    assert tokens.refresh_token is not None  # the new pair is kept: the old one is spent


def test_a_naive_now_is_refused_before_the_single_use_grant_is_spent() -> None:
    api = ScriptedMonzo()
    with pytest.raises(ValueError):
        oauth_for(api).refresh(refresh_token=OLD_REFRESH, now=datetime(2026, 5, 19))  # noqa: DTZ001
    assert api.requests == []


def test_tokens_and_secrets_never_show_in_reprs() -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/token", reply(200, payloads.token_response()))
    oauth = oauth_for(api)
    tokens = oauth.exchange_code(code="c", redirect_uri=REDIRECT, now=NOW)
    assert SECRET not in repr(oauth)
    assert tokens.access_token not in repr(tokens)


def test_logout_posts_with_the_bearer_token_and_an_empty_body() -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/logout", reply(200, {}))
    oauth_for(api).logout("access-1")
    [request] = api.requests
    assert request.headers["Authorization"] == "Bearer access-1"
    assert request.content == b""


def test_logging_out_an_already_refused_token_succeeds() -> None:
    api = ScriptedMonzo().on(
        "POST",
        "/oauth2/logout",
        reply(401, payloads.error("unauthorized.bad_access_token.expired")),
    )
    oauth_for(api).logout("access-1")


def test_logout_accepts_any_success_body() -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/logout", raw(204, ""))
    oauth_for(api).logout("access-1")


def test_logout_during_an_outage_says_so() -> None:
    api = ScriptedMonzo().on("POST", "/oauth2/logout", reply(500, {}))
    with pytest.raises(ProviderUnavailable):
        oauth_for(api).logout("access-1")
