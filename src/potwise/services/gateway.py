"""The composition root for bank HTTP: one pooled client, base URLs and timeouts from settings.

Tests and benchmarks swap the transport (or point the URLs at the sandbox);
no code path knows which bank server it is talking to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import httpx2

from potwise import __version__
from potwise.banks.http import DEFAULT_RETRY, CallStats, RetryPolicy
from potwise.banks.metering import BankMeter
from potwise.banks.monzo.client import MonzoClient
from potwise.banks.monzo.oauth import MonzoOAuth
from potwise.banks.truelayer.client import TrueLayerClient
from potwise.banks.truelayer.oauth import TrueLayerOAuth
from potwise.settings import Settings

TRUELAYER_SCOPES = (
    "info accounts balance cards transactions direct_debits standing_orders offline_access"
)


@dataclass(frozen=True)
class ClientCredentials:
    """An OAuth client for one provider (from settings or saved by the user)."""

    client_id: str
    client_secret: str | None


class BankGateway:
    """Builds provider clients that share one connection pool."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.BaseTransport | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout: float = 20.0,
    ) -> None:
        self.settings = settings
        self.retry = retry
        meter = BankMeter(
            [
                (settings.monzo_auth_url, "monzo"),
                (settings.monzo_api_url, "monzo"),
                (settings.truelayer_auth_url, "truelayer"),
                (settings.truelayer_api_url, "truelayer"),
            ]
        )
        self.http = httpx2.Client(
            timeout=httpx2.Timeout(timeout, connect=5.0),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": f"potwise/{__version__}"},
            limits=httpx2.Limits(max_connections=64, max_keepalive_connections=32),
            event_hooks={"request": [meter.on_request], "response": [meter.on_response]},
        )

    def redirect_uri(self, provider: str) -> str:
        return f"{self.settings.public_url}/connections/{provider}/callback"

    def monzo_oauth(self, credentials: ClientCredentials) -> MonzoOAuth:
        return MonzoOAuth(
            self.http,
            auth_url=self.settings.monzo_auth_url,
            api_url=self.settings.monzo_api_url,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret,
        )

    def monzo(self, access_token: str, *, stats: CallStats | None = None) -> MonzoClient:
        return MonzoClient(
            self.http,
            api_url=self.settings.monzo_api_url,
            access_token=access_token,
            retry=self.retry,
            stats=stats,
        )

    def truelayer_oauth(self, credentials: ClientCredentials) -> TrueLayerOAuth:
        return TrueLayerOAuth(
            self.http,
            auth_url=self.settings.truelayer_auth_url,
            client_id=credentials.client_id,
            client_secret=credentials.client_secret or "",
        )

    def truelayer(
        self, access_token: str, *, psu_ip: str | None = None, stats: CallStats | None = None
    ) -> TrueLayerClient:
        # Without the user present every call, failed ones included, counts against the
        # consent's few unattended calls a day: a failed read is not retried then (the
        # refresh plan tries again later), only with the user present.
        retry = self.retry if psu_ip is not None else replace(self.retry, attempts=1)
        return TrueLayerClient(
            self.http,
            api_url=self.settings.truelayer_api_url,
            access_token=access_token,
            psu_ip=psu_ip,
            retry=retry,
            stats=stats,
        )

    def close(self) -> None:
        self.http.close()
