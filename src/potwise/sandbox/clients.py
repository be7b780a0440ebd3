"""OAuth clients the sandbox knows (one default client serves both banks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_CLIENT_ID = "potwise-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - a published sandbox credential

_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


@dataclass(slots=True)
class OAuthClient:
    client_id: str
    client_secret: str
    # Monzo: only confidential clients get refresh tokens.
    confidential: bool = True
    # None: any loopback redirect URI (http or https on localhost/127.0.0.1/[::1]).
    redirect_uris: list[str] | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def allows_redirect(self, uri: str) -> bool:
        if self.redirect_uris is not None:
            return uri in self.redirect_uris
        try:
            parts = urlsplit(uri)
        except ValueError:
            return False
        return parts.scheme in {"http", "https"} and (parts.hostname or "") in _LOOPBACK


class ClientRegistry:
    def __init__(self) -> None:
        self._clients: dict[str, OAuthClient] = {}
        self.add(OAuthClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET))

    def add(self, client: OAuthClient) -> OAuthClient:
        self._clients[client.client_id] = client
        return client

    def get(self, client_id: str) -> OAuthClient | None:
        return self._clients.get(client_id)

    def all(self) -> list[OAuthClient]:
        return list(self._clients.values())
