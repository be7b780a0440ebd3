"""Disconnecting: revoke at the provider (best effort), then forget the tokens and the
mirrored data."""

from __future__ import annotations

from dataclasses import dataclass

from potwise.banks.errors import BankError
from potwise.db.models import Connection
from potwise.db.scoping import get_owned
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services.connections.credentials import credentials_for
from potwise.services.connections.status import get_for_user
from potwise.services.context import ConnectionsContext

log = get_logger(__name__)


@dataclass(frozen=True)
class DisconnectResult:
    revoked_at_provider: bool
    message: str | None


def disconnect(ctx: ConnectionsContext, user_id: str, connection_id: str) -> DisconnectResult:
    """Revoke at the provider (best effort), then forget the tokens and the mirrored data."""
    with ctx.session_factory() as db:
        connection = get_for_user(db, user_id, connection_id)
        provider = connection.provider
        webhook_ids = [w for w in (connection.webhook_external_id or "").split(",") if w]
        token = (
            ctx.vault.decrypt(connection.access_token_enc) if connection.access_token_enc else None
        )
    revoked = token is None
    message = None
    if token is not None:
        revoked, message = _revoke(ctx, user_id, connection_id, provider, token, webhook_ids)
    with ctx.session_factory() as db:
        doomed = get_owned(db, Connection, connection_id, user_id)
        if doomed is not None:
            db.delete(doomed)
            db.commit()
    log.info(
        "connections.disconnected",
        user_id=user_id,
        connection_id=connection_id,
        provider=provider,
        revoked=revoked,
    )
    return DisconnectResult(revoked_at_provider=revoked, message=message)


def _revoke(
    ctx: ConnectionsContext,
    user_id: str,
    connection_id: str,
    provider: str,
    token: str,
    webhook_ids: list[str],
) -> tuple[bool, str | None]:
    """Tell the bank to forget the access (Monzo: its webhooks too): (revoked, why not)."""
    try:
        if provider == "monzo":
            client = ctx.gateway.monzo(token)
            for webhook_id in webhook_ids:
                client.delete_webhook(webhook_id)
            with ctx.session_factory() as db:
                credentials = credentials_for(db, ctx, user_id, "monzo")
            ctx.gateway.monzo_oauth(credentials).logout(token)
        else:
            with ctx.session_factory() as db:
                credentials = credentials_for(db, ctx, user_id, "truelayer")
            ctx.gateway.truelayer_oauth(credentials).revoke(access_token=token)
    except (BankError, DomainError) as exc:
        log.warning(
            "connections.revoke_failed",
            connection_id=connection_id,
            provider=provider,
            error=type(exc).__name__,
        )
        return False, (
            "The bank could not be told to revoke access "
            f"({getattr(exc, 'message', type(exc).__name__)}); potwise forgot it anyway. "
            "You can also revoke access in your bank's settings."
        )
    return True, None
