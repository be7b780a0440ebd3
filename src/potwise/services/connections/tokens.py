"""Access tokens: stored encrypted, refreshed ahead of expiry under a per-connection lease.

Transactions never span a bank call: the refresh reads what it needs and
commits, calls the bank with no transaction open, and stores the new tokens
in a new unit of work.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from potwise import clock
from potwise.banks.errors import ConsentExpired, ProviderUnavailable
from potwise.banks.tokens import TokenSet
from potwise.db.models import Connection
from potwise.logs import get_logger
from potwise.services import leases
from potwise.services.connections.credentials import credentials_for
from potwise.services.connections.status import STATUS_NEEDS_RECONNECT, mark
from potwise.services.context import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.vault import Vault

log = get_logger(__name__)

# Refresh this long before the access token expires.
REFRESH_MARGIN = timedelta(minutes=5)
REFRESH_LEASE_TTL = timedelta(seconds=60)
REFRESH_WAIT_SECONDS = 20.0


def _now() -> datetime:
    return clock.now()


def apply_tokens(connection: Connection, vault: Vault, tokens: TokenSet) -> None:
    connection.access_token_enc = vault.encrypt(tokens.access_token)
    if tokens.refresh_token:
        connection.refresh_token_enc = vault.encrypt(tokens.refresh_token)
    connection.token_expires_at = tokens.expires_at
    connection.scopes = tokens.scope


def _fresh_token(
    connection: Connection, vault: Vault, now: datetime, rejected: str | None
) -> str | None:
    if connection.access_token_enc is None or connection.token_expires_at is None:
        return None
    if connection.token_expires_at - REFRESH_MARGIN <= now:
        return None
    token = vault.decrypt(connection.access_token_enc)
    return None if rejected is not None and token == rejected else token


def valid_access_token(
    ctx: ConnectionsContext,
    connection_id: str,
    *,
    rejected_token: str | None = None,
    known: Connection | None = None,
) -> str:
    """A usable access token, refreshed ahead of expiry.

    Refreshes happen under a per-connection lease, so two processes never
    spend one refresh token twice: the loser waits and reads the winner's
    tokens. `rejected_token` forces a refresh when the bank refused a token
    that looked valid (Monzo evicts old tokens), unless another process
    already replaced it. `known` is the connection as the caller just read it.
    """
    # A caller that has just read the connection (a sync) saves reading it again
    # when its token is good for a while yet.
    if known is not None and rejected_token is None and known.status != STATUS_NEEDS_RECONNECT:
        token = _fresh_token(known, ctx.vault, _now(), None)
        if token is not None:
            return token
    factory = ctx.session_factory
    deadline = time.monotonic() + REFRESH_WAIT_SECONDS
    while True:
        with factory() as db:
            connection = db.get(Connection, connection_id)
            if connection is None:
                raise NotFound("No such connection.")
            if connection.status == STATUS_NEEDS_RECONNECT:
                raise ConsentExpired(
                    connection.status_reason or "This connection needs re-connecting.",
                    provider=connection.provider,
                )
            token = _fresh_token(connection, ctx.vault, _now(), rejected_token)
            if token is not None:
                return token
        with leases.held(factory, f"token-refresh:{connection_id}", REFRESH_LEASE_TTL) as owner:
            if owner is not None:
                return _refresh_holding_lease(ctx, connection_id, rejected_token)
        if time.monotonic() > deadline:
            raise ProviderUnavailable(
                "A token refresh for this connection is taking too long elsewhere."
            )
        time.sleep(0.1)


def _refresh_holding_lease(
    ctx: ConnectionsContext, connection_id: str, rejected_token: str | None
) -> str:
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is None:
            raise NotFound("No such connection.")
        # Someone may have refreshed between our read and taking the lease.
        token = _fresh_token(connection, ctx.vault, _now(), rejected_token)
        if token is not None:
            return token
        if connection.refresh_token_enc is None:
            reason = "The access token expired and there is no refresh token. Re-connect."
            mark(db, connection, STATUS_NEEDS_RECONNECT, reason)
            raise ConsentExpired(reason, provider=connection.provider)
        refresh_token = ctx.vault.decrypt(connection.refresh_token_enc)
        credentials = credentials_for(db, ctx, connection.user_id, connection.provider)
        provider = connection.provider
    oauth = (
        ctx.gateway.monzo_oauth(credentials)
        if provider == "monzo"
        else ctx.gateway.truelayer_oauth(credentials)
    )
    try:
        tokens = oauth.refresh(refresh_token=refresh_token, now=_now())
    except ConsentExpired as exc:
        with ctx.session_factory() as db:
            stored = db.get(Connection, connection_id)
            if stored is not None:
                mark(
                    db,
                    stored,
                    STATUS_NEEDS_RECONNECT,
                    f"The bank refused to refresh access: {exc.message}",
                )
        raise
    with ctx.session_factory() as db:
        stored = db.get(Connection, connection_id)
        if stored is None:
            raise NotFound("No such connection.")
        apply_tokens(stored, ctx.vault, tokens)
        db.commit()
    log.info("connections.token_refreshed", connection_id=connection_id, provider=provider)
    return tokens.access_token
