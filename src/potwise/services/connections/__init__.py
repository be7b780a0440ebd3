"""Connecting banks: OAuth flows, encrypted tokens, refresh under a lock, status, disconnect.

- `credentials`: the OAuth client in use (the user's own, else the server's).
- `connect`: the OAuth start and callback, and Monzo's in-app approval.
- `tokens`: access tokens refreshed ahead of expiry under a per-connection lease.
- `status`: a connection's status and how people see it.
- `disconnect`: revoke at the bank, then forget.
- `webhook_secret`: how a Monzo webhook finds its connection.

What every service is handed (settings, sessions, the bank gateway, events)
is in `potwise.services.context`. The names below are the package's public
face, so callers keep writing `connections.valid_access_token(...)`.
"""

from __future__ import annotations

from potwise.services.connections.connect import (
    FULL_HISTORY_WINDOW,
    AuthorizationDenied,
    check_monzo_approval,
    complete,
    start,
)
from potwise.services.connections.credentials import (
    MissingClientCredentials,
    credentials_for,
    credentials_source,
    save_credentials,
)
from potwise.services.connections.disconnect import DisconnectResult, disconnect
from potwise.services.connections.status import (
    CONSENT_WARNING,
    PROVIDERS,
    STATUS_ACTIVE,
    STATUS_AWAITING_APPROVAL,
    STATUS_ERROR,
    STATUS_NEEDS_RECONNECT,
    STATUS_RETRYING,
    ConnectionView,
    get_for_user,
    list_for_user,
    mark_failed,
    mark_status,
    status_after,
    view,
)
from potwise.services.connections.tokens import (
    REFRESH_LEASE_TTL,
    REFRESH_MARGIN,
    REFRESH_WAIT_SECONDS,
    valid_access_token,
)
from potwise.services.connections.webhook_secret import (
    connection_for_webhook,
    new_webhook_secret,
)
from potwise.services.context import ConnectionsContext, build_context

__all__ = [
    "CONSENT_WARNING",
    "FULL_HISTORY_WINDOW",
    "PROVIDERS",
    "REFRESH_LEASE_TTL",
    "REFRESH_MARGIN",
    "REFRESH_WAIT_SECONDS",
    "STATUS_ACTIVE",
    "STATUS_AWAITING_APPROVAL",
    "STATUS_ERROR",
    "STATUS_NEEDS_RECONNECT",
    "STATUS_RETRYING",
    "AuthorizationDenied",
    "ConnectionView",
    "ConnectionsContext",
    "DisconnectResult",
    "MissingClientCredentials",
    "build_context",
    "check_monzo_approval",
    "complete",
    "connection_for_webhook",
    "credentials_for",
    "credentials_source",
    "disconnect",
    "get_for_user",
    "list_for_user",
    "mark_failed",
    "mark_status",
    "new_webhook_secret",
    "save_credentials",
    "start",
    "status_after",
    "valid_access_token",
    "view",
]
