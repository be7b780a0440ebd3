"""TrueLayer's auth server: the auth link, code exchange, refresh and revocation.

Token calls are sent form-encoded (the documented curl form; reference
§2.3) and are never retried here: a code is single use and a refresh
token may rotate, so a blind retry could burn it. The caller serialises
refreshes per connection and stores what comes back at once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

import httpx2
from pydantic import ValidationError

from potwise.banks import pkce
from potwise.banks.errors import BadResponse, RequestRejected
from potwise.banks.http import transport_error
from potwise.banks.tokens import TokenSet
from potwise.banks.truelayer.failures import PROVIDER, data_api_error, token_endpoint_error
from potwise.banks.truelayer.schemas import TokenResponse

__all__ = ["DEFAULT_SCOPES", "TrueLayerOAuth"]

#: Everything potwise reads. `offline_access` is what yields a refresh token.
DEFAULT_SCOPES: tuple[str, ...] = (
    "info",
    "accounts",
    "balance",
    "cards",
    "transactions",
    "direct_debits",
    "standing_orders",
    "offline_access",
)


#: The token endpoint's answers to a code it will not exchange (reference §2.5):
#: unknown, late or reused, or not this flow's (redirect URI or PKCE verifier).
_REFUSED_CODE = frozenset({"invalid_authorization_code", "invalid_grant"})


def _spaced(values: Sequence[str] | str) -> str:
    if isinstance(values, str):
        return " ".join(values.split())
    return " ".join(value.strip() for value in values if value.strip())


class TrueLayerOAuth:
    """The auth server for one TrueLayer client (client id and secret)."""

    def __init__(
        self, http: httpx2.Client, *, auth_url: str, client_id: str, client_secret: str
    ) -> None:
        self._http = http
        self._auth_url = auth_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret

    def __repr__(self) -> str:
        return f"TrueLayerOAuth({self._auth_url!r}, client_id={self._client_id!r})"

    def authorize_url(
        self,
        *,
        redirect_uri: str,
        state: str,
        scopes: Sequence[str] | str = DEFAULT_SCOPES,
        providers: Sequence[str] | str,
        provider_id: str | None = None,
        code_verifier: str | None = None,
    ) -> str:
        """The auth link (`GET {AUTH}/?response_type=code&…`) to send the user to.

        `scopes` and `providers` are joined with spaces and percent-encoded
        (`%20`, not `+`). `offline_access` is always requested: without it
        there is no refresh token and the connection dies within the hour.
        `provider_id` skips the bank picker; it must be covered by `providers`.
        With `code_verifier` the link carries its S256 challenge (PKCE,
        reference §2.2) and the code only exchanges with that verifier.
        """
        scope_list = _spaced(scopes).split()
        if "offline_access" not in scope_list:
            scope_list.append("offline_access")
        params = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scope_list),
            "providers": _spaced(providers),
            "state": state,
        }
        if provider_id:
            params["provider_id"] = provider_id
        if code_verifier:
            params["code_challenge"] = pkce.challenge(code_verifier)
            params["code_challenge_method"] = pkce.METHOD
        return f"{self._auth_url}/?{urlencode(params, quote_via=quote)}"

    def exchange_code(
        self, *, code: str, redirect_uri: str, now: datetime, code_verifier: str | None = None
    ) -> TokenSet:
        """Trade the one-time code from the redirect for tokens.

        `code_verifier` is the PKCE verifier of the flow whose link carried
        its challenge. A wrong, late (> 5 min) or reused code, or one issued
        to another flow (its verifier does not match), is a RequestRejected:
        the user has to start the connection again.
        """
        form = {
            "grant_type": "authorization_code",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "redirect_uri": redirect_uri,
            "code": code,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        try:
            return self._token(form, now=now, refreshing=False, secrets=(code, code_verifier))
        except RequestRejected as exc:
            if exc.error_code not in _REFUSED_CODE:
                raise
            raise RequestRejected(
                f"TrueLayer refused the authorization code ({exc.error_code}): it was not "
                "issued to this sign-in, or it has expired or been used already.",
                status=exc.status,
                error_code=exc.error_code,
                provider=PROVIDER,
            ) from exc

    def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        """New tokens. `invalid_grant` (consent lapsed, revoked, token already
        used) is ConsentExpired. If the answer carries no new refresh token,
        the one given stays valid and is returned in the TokenSet."""
        form = {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "refresh_token": refresh_token,
        }
        tokens = self._token(form, now=now, refreshing=True, secrets=(refresh_token,))
        if tokens.refresh_token is None:
            return TokenSet(
                access_token=tokens.access_token,
                refresh_token=refresh_token,
                expires_at=tokens.expires_at,
                token_type=tokens.token_type,
                scope=tokens.scope,
            )
        return tokens

    def revoke(self, *, access_token: str) -> None:
        """Delete the connection at TrueLayer (`DELETE {AUTH}/api/delete`).

        Raises AuthExpired when the access token has expired (refresh, then
        revoke again) and ConsentExpired when the connection is already gone.
        """
        try:
            response = self._http.delete(
                f"{self._auth_url}/api/delete",
                headers={"Authorization": f"Bearer {access_token}"},
            )
        except httpx2.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from exc
        if 200 <= response.status_code < 300:
            return
        raise data_api_error(response, what="revocation", secrets=(access_token,))

    # -- plumbing ----------------------------------------------------------------

    def _token(
        self,
        form: dict[str, str],
        *,
        now: datetime,
        refreshing: bool,
        secrets: tuple[str | None, ...],
    ) -> TokenSet:
        what = "token refresh" if refreshing else "code exchange"
        all_secrets = (*secrets, self._client_secret)
        try:
            response = self._http.post(
                f"{self._auth_url}/connect/token",
                data=form,
                headers={"Accept": "application/json"},
            )
        except httpx2.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from exc
        if response.status_code != 200:
            raise token_endpoint_error(
                response, what=what, refreshing=refreshing, secrets=all_secrets
            )
        try:
            body = TokenResponse.model_validate(json.loads(response.content))
        except (ValueError, ValidationError) as exc:
            # ValidationError is a ValueError; the message never echoes the body.
            raise BadResponse(
                f"TrueLayer {what}: HTTP 200 without a usable token response", provider=PROVIDER
            ) from exc
        return TokenSet(
            access_token=body.access_token,
            refresh_token=body.refresh_token,
            expires_at=now + timedelta(seconds=body.expires_in),
            token_type=body.token_type,
            scope=body.scope,
        )
