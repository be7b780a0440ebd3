"""OAuth client credentials: the user's own saved client, else the server's settings."""

from __future__ import annotations

from sqlalchemy.orm import Session

from potwise.db.models import OAuthClient
from potwise.db.scoping import owned
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services.connections.status import check_provider
from potwise.services.context import ConnectionsContext
from potwise.services.errors import InvalidInput
from potwise.services.gateway import ClientCredentials
from potwise.settings import Settings

log = get_logger(__name__)


class MissingClientCredentials(DomainError):
    code = "missing_client_credentials"


def credentials_for(
    db: Session, ctx: ConnectionsContext, user_id: str, provider: str
) -> ClientCredentials:
    """The user's saved OAuth client for the provider, else the server's settings."""
    check_provider(provider)
    saved = db.scalars(
        owned(OAuthClient, user_id).where(OAuthClient.provider == provider)
    ).one_or_none()
    if saved is not None:
        secret = ctx.vault.decrypt(saved.client_secret_enc) if saved.client_secret_enc else None
        return ClientCredentials(saved.client_id, secret)
    configured = _settings_credentials(ctx.settings, provider)
    if configured is not None:
        return configured
    name = "Monzo" if provider == "monzo" else "TrueLayer"
    raise MissingClientCredentials(
        f"No {name} OAuth client is configured. Save its client id and secret on the "
        f"connections page, or set POTWISE_{provider.upper()}_CLIENT_ID and _CLIENT_SECRET."
    )


def _settings_credentials(settings: Settings, provider: str) -> ClientCredentials | None:
    """The server's own OAuth client for a provider, from POTWISE_*_CLIENT_ID/SECRET."""
    client_id = settings.monzo_client_id if provider == "monzo" else settings.truelayer_client_id
    secret = (
        settings.monzo_client_secret if provider == "monzo" else settings.truelayer_client_secret
    )
    if not client_id:
        return None
    return ClientCredentials(client_id, secret.get_secret_value() if secret else None)


def credentials_source(
    db: Session, ctx: ConnectionsContext, user_id: str, provider: str
) -> dict[str, str | None]:
    """Which client id is in use and where it comes from (never the secret)."""
    check_provider(provider)
    saved = db.scalars(
        owned(OAuthClient, user_id).where(OAuthClient.provider == provider)
    ).one_or_none()
    if saved is not None:
        return {"client_id": saved.client_id, "source": "saved"}
    configured = _settings_credentials(ctx.settings, provider)
    if configured is not None:
        return {"client_id": configured.client_id, "source": "settings"}
    return {"client_id": None, "source": None}


def save_credentials(
    db: Session,
    ctx: ConnectionsContext,
    user_id: str,
    provider: str,
    *,
    client_id: str,
    client_secret: str | None,
) -> None:
    """Save (or replace) the user's OAuth client; the secret is encrypted and never shown."""
    check_provider(provider)
    client_id = client_id.strip()
    if not client_id or len(client_id) > 200:
        raise InvalidInput("Enter the client id (up to 200 characters).")
    secret = (client_secret or "").strip() or None
    row = db.scalars(
        owned(OAuthClient, user_id).where(OAuthClient.provider == provider)
    ).one_or_none()
    if row is None:
        row = OAuthClient(user_id=user_id, provider=provider, client_id=client_id)
        db.add(row)
    row.client_id = client_id
    if secret is not None:
        row.client_secret_enc = ctx.vault.encrypt(secret)
    db.commit()
    log.info("connections.client_saved", user_id=user_id, provider=provider)
