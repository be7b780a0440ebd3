"""The auth server: auth link, code exchange, refresh, revocation."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from potwise.banks.errors import (
    AuthExpired,
    BadResponse,
    ConsentExpired,
    ProviderUnavailable,
    RequestRejected,
)
from potwise.banks.truelayer import DEFAULT_SCOPES, TrueLayerOAuth

from . import fixtures
from .fake import AUTH_URL, Answer, FakeTrueLayer

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
SECRET = "s3cr3t-client-secret"
REDIRECT = "http://localhost:8000/connections/truelayer/callback"
OLD_REFRESH = "OLD-REFRESH-TOKEN-0123456789ABCDEF"


def oauth(fake: FakeTrueLayer) -> TrueLayerOAuth:
    return TrueLayerOAuth(
        fake.http(), auth_url=AUTH_URL + "/", client_id="potwise-7f3a21", client_secret=SECRET
    )


def token_route(fake: FakeTrueLayer, *answers: Answer) -> FakeTrueLayer:
    return fake.on("POST", "/connect/token", *answers)


def form_of(request: httpx2.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.content.decode()).items()}


# -- auth link ------------------------------------------------------------------


def test_auth_link_has_the_documented_parameters_with_percent_encoded_spaces() -> None:
    url = oauth(FakeTrueLayer()).authorize_url(
        redirect_uri=REDIRECT,
        state="tl-9c1e5d7a",
        scopes=DEFAULT_SCOPES,
        providers="uk-ob-all uk-oauth-all",
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == AUTH_URL + "/"
    assert "+" not in parts.query
    assert "scope=info%20accounts%20balance%20cards" in parts.query
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "potwise-7f3a21",
        "redirect_uri": REDIRECT,
        "scope": "info accounts balance cards transactions direct_debits standing_orders "
        "offline_access",
        "providers": "uk-ob-all uk-oauth-all",
        "state": "tl-9c1e5d7a",
    }


def test_auth_link_always_asks_for_offline_access_and_can_skip_the_picker() -> None:
    url = oauth(FakeTrueLayer()).authorize_url(
        redirect_uri=REDIRECT,
        state="s",
        scopes=["info", "cards", "balance", "transactions"],
        providers=["uk-ob-all"],
        provider_id="ob-amex",
    )
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["scope"].split() == ["info", "cards", "balance", "transactions", "offline_access"]
    assert query["provider_id"] == "ob-amex"
    assert query["providers"] == "uk-ob-all"


# -- token endpoint ---------------------------------------------------------------


def test_code_exchange_posts_the_form_and_returns_tokens_expiring_from_now() -> None:
    fake = token_route(FakeTrueLayer(), Answer(200, fixtures.TOKEN))
    tokens = oauth(fake).exchange_code(code="the-code", redirect_uri=REDIRECT, now=NOW)
    request = fake.last
    assert str(request.url) == AUTH_URL + "/connect/token"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "grant_type": "authorization_code",
        "client_id": "potwise-7f3a21",
        "client_secret": SECRET,
        "redirect_uri": REDIRECT,
        "code": "the-code",
    }
    assert tokens.access_token.startswith("eyJ")
    assert tokens.refresh_token == (
        "7C1E0B55D2A94F0E8B6A13C9F2D4471A0E5B9C3D6F18A2B47E9D0C1F35A6B8E2"
    )
    assert tokens.expires_at == NOW + timedelta(hours=1)
    assert tokens.scope == "info accounts balance cards transactions offline_access"
    assert tokens.token_type == "Bearer"


def test_pkce_puts_the_s256_challenge_on_the_link_and_the_verifier_on_the_exchange() -> None:
    verifier = "dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk"
    # BASE64URL(SHA256(verifier)), unpadded: computed here, not by the code under test.
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    fake = token_route(FakeTrueLayer(), Answer(200, fixtures.TOKEN))
    url = oauth(fake).authorize_url(
        redirect_uri=REDIRECT, state="s", providers="uk-ob-all", code_verifier=verifier
    )
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["code_challenge"] == expected.decode().rstrip("=")
    assert query["code_challenge_method"] == "S256"
    assert verifier not in url
    oauth(fake).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW, code_verifier=verifier)
    assert form_of(fake.last)["code_verifier"] == verifier


def test_a_code_refused_at_the_exchange_says_it_may_belong_to_another_sign_in() -> None:
    fake = token_route(FakeTrueLayer(), Answer(400, '{"error": "invalid_grant"}'))
    with pytest.raises(RequestRejected, match="not issued to this sign-in") as refused:
        oauth(fake).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW, code_verifier="v" * 43)
    assert refused.value.error_code == "invalid_grant"
    assert len(fake.requests) == 1


def test_refresh_posts_the_refresh_grant_and_keeps_a_rotated_token() -> None:
    fake = token_route(FakeTrueLayer(), Answer(200, fixtures.TOKEN))
    tokens = oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert form_of(fake.last) == {
        "grant_type": "refresh_token",
        "client_id": "potwise-7f3a21",
        "client_secret": SECRET,
        "refresh_token": OLD_REFRESH,
    }
    assert tokens.refresh_token != OLD_REFRESH


def test_refresh_without_a_new_refresh_token_keeps_the_old_one() -> None:
    body = '{"access_token": "new-access", "expires_in": 1800, "token_type": "Bearer"}'
    fake = token_route(FakeTrueLayer(), Answer(200, body))
    tokens = oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert tokens.access_token == "new-access"
    assert tokens.refresh_token == OLD_REFRESH
    assert tokens.expires_at == NOW + timedelta(minutes=30)


def test_refresh_refused_with_invalid_grant_means_consent_expired() -> None:
    fake = token_route(FakeTrueLayer(), Answer(400, '{"error": "invalid_grant"}'))
    with pytest.raises(ConsentExpired):
        oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert len(fake.requests) == 1  # never retried: a rotated token could be burnt


def test_refresh_refused_as_invalid_request_is_treated_like_invalid_grant() -> None:
    body = '{"error": "invalid_request", "error_details": {"reason": "Invalid refresh_token"}}'
    fake = token_route(FakeTrueLayer(), Answer(401, body))
    with pytest.raises(ConsentExpired):
        oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)


def test_a_bad_code_is_rejected_so_the_user_starts_again() -> None:
    fake = token_route(FakeTrueLayer(), Answer(400, '{"error": "invalid_authorization_code"}'))
    with pytest.raises(RequestRejected) as caught:
        oauth(fake).exchange_code(code="late", redirect_uri=REDIRECT, now=NOW)
    assert caught.value.error_code == "invalid_authorization_code"
    assert not isinstance(caught.value, ConsentExpired)


def test_unknown_client_is_a_configuration_rejection() -> None:
    body = fixtures.error("unauthorized_client", "Unknown client or client not enabled")
    fake = token_route(FakeTrueLayer(), Answer(401, body))
    with pytest.raises(RequestRejected) as caught:
        oauth(fake).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW)
    assert caught.value.error_code == "unauthorized_client"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, fixtures.error("internal_server_error")),
        (400, fixtures.error("provider_error", "The provider is currently unavailable")),
        (503, "gateway says no"),
    ],
)
def test_provider_trouble_during_refresh_is_transient_not_consent_loss(
    status: int, body: str
) -> None:
    fake = token_route(FakeTrueLayer(), Answer(status, body))
    with pytest.raises(ProviderUnavailable):
        oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert len(fake.requests) == 1


def test_token_endpoint_timeout_is_provider_unavailable() -> None:
    fake = token_route(FakeTrueLayer(), Answer(raise_=httpx2.ReadTimeout("slow")))
    with pytest.raises(ProviderUnavailable):
        oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)


def test_token_response_without_access_token_is_a_bad_response() -> None:
    fake = token_route(FakeTrueLayer(), Answer(200, '{"token_type": "Bearer"}'))
    with pytest.raises(BadResponse):
        oauth(fake).exchange_code(code="c", redirect_uri=REDIRECT, now=NOW)


def test_token_errors_never_echo_secrets() -> None:
    body = fixtures.error("invalid_grant", f"refresh token {OLD_REFRESH} for {SECRET} is gone")
    fake = token_route(FakeTrueLayer(), Answer(400, body))
    with pytest.raises(ConsentExpired) as caught:
        oauth(fake).refresh(refresh_token=OLD_REFRESH, now=NOW)
    assert OLD_REFRESH not in str(caught.value)
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(oauth(fake))


# -- revocation ---------------------------------------------------------------------


def test_revoke_deletes_the_connection_with_the_access_token() -> None:
    fake = FakeTrueLayer().on("DELETE", "/api/delete", Answer(200, ""))
    oauth(fake).revoke(access_token="tok-123")
    assert fake.last.method == "DELETE"
    assert str(fake.last.url) == AUTH_URL + "/api/delete"
    assert fake.last.headers["Authorization"] == "Bearer tok-123"


def test_revoke_with_an_expired_token_asks_for_a_refresh() -> None:
    fake = FakeTrueLayer().on("DELETE", "/api/delete", Answer(401, fixtures.error("invalid_token")))
    with pytest.raises(AuthExpired):
        oauth(fake).revoke(access_token="tok-123")


def test_revoking_a_connection_already_gone_says_consent_expired() -> None:
    fake = FakeTrueLayer().on("DELETE", "/api/delete", Answer(403, fixtures.error("access_denied")))
    with pytest.raises(ConsentExpired):
        oauth(fake).revoke(access_token="tok-123")
