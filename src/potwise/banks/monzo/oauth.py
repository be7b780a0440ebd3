"""Monzo's OAuth 2.0: the authorize URL, code exchange, refresh and logout.

Nothing here is retried: an authorization code and a refresh token each
work exactly once, so a second attempt after a lost answer would only be
refused (and, for a refresh, the pair from the first attempt is already
gone). The caller serialises refreshes per connection and stores the new
pair before using it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx2

from potwise.banks.errors import BankError, ConsentExpired, RequestRejected
from potwise.banks.http import parse_json, transport_error
from potwise.banks.monzo import mapping, schemas
from potwise.banks.monzo.errors import PROVIDER, error_code_of, error_for_response
from potwise.banks.tokens import TokenSet

_BAD_REFRESH_TOKEN = "unauthorized.bad_refresh_token"  # noqa: S105 - an error code
_OAUTH_INVALID_GRANT = "invalid_grant"


class MonzoOAuth:
    """One Monzo OAuth client (confidential when it has a secret).

    `auth_url` is the browser-facing authorisation server
    (`MONZO_AUTH_URL`), `api_url` the API that serves `/oauth2/token` and
    `/oauth2/logout` (`MONZO_API_URL`); either may carry a path prefix.
    """

    def __init__(
        self,
        http: httpx2.Client,
        *,
        auth_url: str,
        api_url: str,
        client_id: str,
        client_secret: str | None,
    ) -> None:
        self._http = http
        self._auth_url = auth_url.rstrip("/")
        self._api_url = api_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret

    def __repr__(self) -> str:  # never shows the secret
        return f"MonzoOAuth(client_id={self._client_id!r})"

    def authorize_url(self, *, redirect_uri: str, state: str) -> str:
        """Where to send the user's browser to log in to Monzo.

        Monzo documents no PKCE (reference §2.2: `client_id`, `redirect_uri`,
        `response_type`, `state`), so no `code_challenge` is sent: an undocumented
        parameter may be refused or silently ignored, and either way would bind
        nothing. What binds a Monzo code to its flow instead: the `state`, signed
        over this browser session and usable once; the redirect URI, which must be
        the client's registered one; and the client secret, which the exchange
        needs. Left open: a code taken from someone else's redirect (before their
        own callback spends it, within its short life) can be paired with a state
        of the taker's own. The token it yields reads nothing until the Monzo
        account holder approves it in their app.
        """
        query = urlencode(
            {
                "client_id": self._client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "state": state,
            }
        )
        return f"{self._auth_url}/?{query}"

    def exchange_code(self, *, code: str, redirect_uri: str, now: datetime) -> TokenSet:
        """Swap the callback's code for tokens (`redirect_uri` as in the authorize URL).

        A used, expired or unknown code is RequestRejected: the user starts
        the connection again. The new token is not usable for data until the
        user approves it in the Monzo app (AwaitingApproval on data calls).
        """
        form = {
            "grant_type": "authorization_code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "code": code,
        }
        return self._token(form, now=now, refreshing=False)

    def refresh(self, *, refresh_token: str, now: datetime) -> TokenSet:
        """A new access token *and* a new refresh token; the old pair stops working.

        A refresh token that was already used, evicted by a newer login or is
        otherwise refused raises ConsentExpired: only re-connecting helps.
        """
        form = {
            "grant_type": "refresh_token",
            "client_id": self._client_id,
            "refresh_token": refresh_token,
        }
        return self._token(form, now=now, refreshing=True)

    def logout(self, access_token: str) -> None:
        """Invalidate the access token (and with it the ability to refresh).

        A token Monzo already refuses (401) is as logged out as it gets, so
        that is success too: disconnecting must not fail on an expired token.
        """
        try:
            response = self._http.post(
                f"{self._api_url}/oauth2/logout",
                headers={"Authorization": f"Bearer {access_token}"},
            )
        except httpx2.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from None
        if response.is_success or response.status_code == 401:
            return
        raise error_for_response(response)

    def _token(self, form: dict[str, str], *, now: datetime, refreshing: bool) -> TokenSet:
        if now.tzinfo is None:  # checked before the single-use grant is spent
            raise ValueError("now must be an aware datetime")
        if self._client_secret is not None:
            form["client_secret"] = self._client_secret
        try:
            # No Authorization header: an old bearer token on the token
            # endpoint can be rejected before the refresh is even looked at.
            response = self._http.post(f"{self._api_url}/oauth2/token", data=form)
        except httpx2.HTTPError as exc:
            raise transport_error(exc, provider=PROVIDER) from None
        if not response.is_success:
            raise _token_error(response, refreshing=refreshing)
        body = parse_json(response, provider=PROVIDER)
        return _token_set(body, now=now)


def _token_error(response: httpx2.Response, *, refreshing: bool) -> BankError:
    """The token endpoint's refusals, on top of the general translation.

    A 401 from the token endpoint is about the grant, never an access token,
    so it is not AuthExpired here. When refreshing, a refused grant (401,
    403, or 400 with `invalid_grant` / `unauthorized.bad_refresh_token*`)
    means the consent is gone: the same spent token can never succeed, and
    only re-connecting helps. 429 and 5xx translate as everywhere else.
    """
    status = response.status_code
    if not 400 <= status < 500 or status == 429:
        return error_for_response(response)
    code = error_code_of(response)
    suffix = f" ({code})" if code else ""
    refused_grant = code is not None and (
        code.startswith(_BAD_REFRESH_TOKEN) or code == _OAUTH_INVALID_GRANT
    )
    if refreshing and (status in {401, 403} or refused_grant):
        return ConsentExpired(
            "Monzo refused the refresh token; the connection must be re-authorised" + suffix,
            provider=PROVIDER,
        )
    what = "refresh" if refreshing else "authorization code exchange"
    return RequestRejected(
        f"Monzo refused the {what} with {status}{suffix}",
        status=status,
        error_code=code,
        provider=PROVIDER,
    )


def _token_set(body: Any, *, now: datetime) -> TokenSet:
    parsed = mapping.validate(schemas.TokenResponse, body, what="a token response")
    # `expires_in` is always sent; if it ever is not, the token is treated as
    # already due for refresh rather than guessing a lifetime.
    lifetime = timedelta(seconds=max(parsed.expires_in or 0, 0))
    return TokenSet(
        access_token=parsed.access_token,
        refresh_token=parsed.refresh_token or None,
        expires_at=now + lifetime,
        token_type=parsed.token_type,
        provider_user_id=parsed.user_id,
    )
