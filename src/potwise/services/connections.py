"""Connecting banks: OAuth flows, encrypted tokens, refresh under a lock, status, disconnect.

Transactions never span a bank call: each step reads what it needs and
commits, the bank is called with no transaction open, and a new unit of work
stores the result.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from potwise.banks.errors import AwaitingApproval, BankError, ConsentExpired, ProviderUnavailable
from potwise.banks.tokens import TokenSet
from potwise.db.models import Account, Connection, OAuthClient
from potwise.db.scoping import get_owned, owned
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services import leases, oauth_state
from potwise.services.errors import InvalidInput, NotFound
from potwise.services.events import EventBus
from potwise.services.gateway import TRUELAYER_SCOPES, BankGateway, ClientCredentials
from potwise.services.insight import classify as insight_classify
from potwise.services.vault import Vault
from potwise.settings import Settings

log = get_logger(__name__)

PROVIDERS = ("monzo", "truelayer")
# Refresh this long before the access token expires.
REFRESH_MARGIN = timedelta(minutes=5)
REFRESH_LEASE_TTL = timedelta(seconds=60)
REFRESH_WAIT_SECONDS = 20.0
# Full history is served only briefly after the user authenticates (5 minutes).
FULL_HISTORY_WINDOW = timedelta(minutes=5)
CONSENT_WARNING = timedelta(days=14)

STATUS_ACTIVE = "active"
STATUS_AWAITING_APPROVAL = "awaiting_approval"
STATUS_NEEDS_RECONNECT = "needs_reconnect"
STATUS_ERROR = "error"


class MissingClientCredentials(DomainError):
    code = "missing_client_credentials"


class AuthorizationDenied(DomainError):
    code = "authorization_denied"


@dataclass(frozen=True)
class ConnectionsContext:
    """What the connection flows need, built once by the entry point."""

    settings: Settings
    vault: Vault
    gateway: BankGateway
    session_factory: sessionmaker[Session]
    events: EventBus = field(default_factory=EventBus)

    @property
    def secret_key(self) -> str:
        return self.settings.require_secret_key()


def build_context(
    settings: Settings,
    session_factory: sessionmaker[Session],
    *,
    transport: Any = None,
) -> ConnectionsContext:
    """The composition root for everything that talks to banks (web, worker, CLI).

    Every new or changed transaction is classified as soon as a sync or a
    webhook has stored it (first subscriber, so the automations that react
    to the same event already see the classification).
    """
    ctx = ConnectionsContext(
        settings=settings,
        vault=Vault(settings.fernet_keys()),
        gateway=BankGateway(settings, transport=transport),
        session_factory=session_factory,
    )
    insight_classify.install(ctx.events, session_factory)
    return ctx


@dataclass(frozen=True)
class ConnectionView:
    """A connection as people and scripts see it: no tokens, a status with its reason."""

    id: str
    provider: str
    provider_id: str | None
    display_name: str
    status: str
    status_reason: str | None
    consent_expires_at: datetime | None
    consent_days_left: int | None
    warning: str | None
    last_synced_at: datetime | None
    created_at: datetime
    accounts: int


def _now() -> datetime:
    return datetime.now(UTC)


def _check_provider(provider: str) -> None:
    if provider not in PROVIDERS:
        raise NotFound(f"Unknown provider {provider!r}.")


# --- OAuth client credentials ----------------------------------------------------


def credentials_for(
    db: Session, ctx: ConnectionsContext, user_id: str, provider: str
) -> ClientCredentials:
    """The user's saved OAuth client for the provider, else the server's settings."""
    _check_provider(provider)
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
    _check_provider(provider)
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
    _check_provider(provider)
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


# --- connecting ------------------------------------------------------------------


def start(
    db: Session,
    ctx: ConnectionsContext,
    *,
    user_id: str,
    session_id: str,
    provider: str,
    provider_hint: str | None = None,
    reconnect_id: str | None = None,
) -> str:
    """Begin connecting: returns the provider's authorize URL carrying a fresh state."""
    _check_provider(provider)
    if reconnect_id is not None:
        existing = get_owned(db, Connection, reconnect_id, user_id)
        if existing is None or existing.provider != provider:
            raise NotFound("No such connection.")
        provider_hint = provider_hint or existing.provider_id
    credentials = credentials_for(db, ctx, user_id, provider)
    state = oauth_state.issue(
        db,
        secret_key=ctx.secret_key,
        user_id=user_id,
        session_id=session_id,
        provider=provider,
        connection_id=reconnect_id,
    )
    redirect_uri = ctx.gateway.redirect_uri(provider)
    if provider == "monzo":
        return ctx.gateway.monzo_oauth(credentials).authorize_url(
            redirect_uri=redirect_uri, state=state
        )
    return ctx.gateway.truelayer_oauth(credentials).authorize_url(
        redirect_uri=redirect_uri,
        state=state,
        scopes=TRUELAYER_SCOPES,
        providers=ctx.settings.truelayer_providers,
        provider_id=provider_hint,
    )


def complete(
    ctx: ConnectionsContext,
    *,
    user_id: str,
    session_id: str,
    provider: str,
    code: str | None,
    state: str | None,
    error: str | None,
    psu_ip: str | None,
) -> Connection:
    """Finish connecting at the callback: check the state, exchange the code, store tokens."""
    _check_provider(provider)
    with ctx.session_factory() as db:
        consumed = oauth_state.consume(
            db,
            secret_key=ctx.secret_key,
            state=state or "",
            user_id=user_id,
            session_id=session_id,
            provider=provider,
        )
        credentials = credentials_for(db, ctx, user_id, provider)
    if error:
        raise AuthorizationDenied(
            "The bank did not grant access"
            + (" (you declined)." if error == "access_denied" else f" ({error[:60]}).")
        )
    if not code:
        raise InvalidInput("The bank sent no authorization code back. Start connecting again.")
    redirect_uri = ctx.gateway.redirect_uri(provider)
    if provider == "monzo":
        tokens = ctx.gateway.monzo_oauth(credentials).exchange_code(
            code=code, redirect_uri=redirect_uri, now=_now()
        )
        return _store_monzo(ctx, user_id, tokens, consumed.connection_id)
    tokens = ctx.gateway.truelayer_oauth(credentials).exchange_code(
        code=code, redirect_uri=redirect_uri, now=_now()
    )
    return _store_truelayer(ctx, user_id, tokens, consumed.connection_id, psu_ip)


def _apply_tokens(connection: Connection, vault: Vault, tokens: TokenSet) -> None:
    connection.access_token_enc = vault.encrypt(tokens.access_token)
    if tokens.refresh_token:
        connection.refresh_token_enc = vault.encrypt(tokens.refresh_token)
    connection.token_expires_at = tokens.expires_at
    connection.scopes = tokens.scope


def _store_monzo(
    ctx: ConnectionsContext, user_id: str, tokens: TokenSet, reconnect_id: str | None
) -> Connection:
    with ctx.session_factory() as db:
        connection = None
        if reconnect_id is not None:
            connection = get_owned(db, Connection, reconnect_id, user_id)
        if connection is None and tokens.provider_user_id:
            connection = db.scalars(
                owned(Connection, user_id).where(
                    Connection.provider == "monzo",
                    Connection.external_user_id == tokens.provider_user_id,
                )
            ).first()
        if connection is None:
            connection = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
            db.add(connection)
        connection.external_user_id = tokens.provider_user_id or connection.external_user_id
        _apply_tokens(connection, ctx.vault, tokens)
        # Until the user approves in the Monzo app the token can read nothing.
        connection.status = STATUS_AWAITING_APPROVAL
        connection.status_reason = None
        db.commit()
        connection_id = connection.id
    log.info(
        "connections.connected", user_id=user_id, provider="monzo", connection_id=connection_id
    )
    check_monzo_approval(ctx, connection_id)
    with ctx.session_factory() as db:
        stored = db.get(Connection, connection_id)
        if stored is None:
            raise NotFound("The connection was removed while connecting.")
        return stored


def check_monzo_approval(ctx: ConnectionsContext, connection_id: str) -> bool:
    """Ask Monzo whether the in-app approval happened; activate the connection if so."""
    token = valid_access_token(ctx, connection_id)
    try:
        ctx.gateway.monzo(token).accounts()
    except AwaitingApproval:
        return False
    now = _now()
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is None:
            return False
        was_waiting = connection.status == STATUS_AWAITING_APPROVAL
        connection.status = STATUS_ACTIVE
        connection.status_reason = None
        if was_waiting:
            # The full-history window opened when the user approved, moments ago.
            connection.full_history_until = now + FULL_HISTORY_WINDOW
        db.commit()
    log.info("connections.monzo_approved", connection_id=connection_id)
    return True


def _store_truelayer(
    ctx: ConnectionsContext,
    user_id: str,
    tokens: TokenSet,
    reconnect_id: str | None,
    psu_ip: str | None,
) -> Connection:
    me = ctx.gateway.truelayer(tokens.access_token, psu_ip=psu_ip).me()
    now = _now()
    with ctx.session_factory() as db:
        connection = None
        if reconnect_id is not None:
            connection = get_owned(db, Connection, reconnect_id, user_id)
        if connection is None:
            connection = Connection(user_id=user_id, provider="truelayer", display_name="")
            db.add(connection)
        connection.provider_id = me.provider_id
        connection.display_name = me.provider_name or me.provider_id or "Open Banking"
        connection.consent_expires_at = me.consent_expires_at
        connection.external_user_id = me.credentials_id
        _apply_tokens(connection, ctx.vault, tokens)
        connection.status = STATUS_ACTIVE
        connection.status_reason = None
        connection.full_history_until = now + FULL_HISTORY_WINDOW
        connection.unattended_paused_until = None
        db.commit()
        db.refresh(connection)
        log.info(
            "connections.connected",
            user_id=user_id,
            provider="truelayer",
            provider_id=connection.provider_id,
            connection_id=connection.id,
        )
        return connection


# --- tokens ----------------------------------------------------------------------


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
            _mark(db, connection, STATUS_NEEDS_RECONNECT, reason)
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
                _mark(
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
        _apply_tokens(stored, ctx.vault, tokens)
        db.commit()
    log.info("connections.token_refreshed", connection_id=connection_id, provider=provider)
    return tokens.access_token


def _mark(db: Session, connection: Connection, status: str, reason: str | None) -> None:
    connection.status = status
    connection.status_reason = reason
    db.commit()
    log.warning(
        "connections.status_changed", connection_id=connection.id, status=status, reason=reason
    )


def mark_status(
    ctx: ConnectionsContext, connection_id: str, status: str, reason: str | None
) -> None:
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is not None and (
            connection.status != status or connection.status_reason != reason
        ):
            _mark(db, connection, status, reason)


# --- reading and removing -----------------------------------------------------------


def view(connection: Connection, accounts: int, now: datetime) -> ConnectionView:
    days_left = None
    warning = None
    if connection.consent_expires_at is not None:
        remaining = connection.consent_expires_at - now
        days_left = max(0, remaining.days)
        if remaining <= timedelta(0) and connection.status != STATUS_NEEDS_RECONNECT:
            warning = "Consent has expired: re-connect to keep syncing."
        elif remaining <= CONSENT_WARNING:
            plural = "s" if days_left != 1 else ""
            warning = f"Consent expires in {days_left} day{plural}: re-connect soon."
    if connection.status == STATUS_AWAITING_APPROVAL:
        warning = (
            "Open the Monzo app and approve access for potwise (a notification asks you to "
            "allow it), then press \u201cCheck approval\u201d."
        )
    return ConnectionView(
        id=connection.id,
        provider=connection.provider,
        provider_id=connection.provider_id,
        display_name=connection.display_name,
        status=connection.status,
        status_reason=connection.status_reason,
        consent_expires_at=connection.consent_expires_at,
        consent_days_left=days_left,
        warning=warning,
        last_synced_at=connection.last_synced_at,
        created_at=connection.created_at,
        accounts=accounts,
    )


def list_for_user(
    db: Session, user_id: str, *, now: datetime | None = None
) -> list[ConnectionView]:
    moment = now or _now()
    connections = list(db.scalars(owned(Connection, user_id).order_by(Connection.created_at)))
    counts: dict[str, int] = {}
    for connection_id in db.scalars(
        owned(Account, user_id).with_only_columns(Account.connection_id)
    ):
        counts[connection_id] = counts.get(connection_id, 0) + 1
    return [view(c, counts.get(c.id, 0), moment) for c in connections]


def get_for_user(db: Session, user_id: str, connection_id: str) -> Connection:
    connection = get_owned(db, Connection, connection_id, user_id)
    if connection is None:
        raise NotFound("No such connection.")
    return connection


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
            revoked = True
        except (BankError, DomainError) as exc:
            message = (
                "The bank could not be told to revoke access "
                f"({getattr(exc, 'message', type(exc).__name__)}); potwise forgot it anyway. "
                "You can also revoke access in your bank's settings."
            )
            log.warning(
                "connections.revoke_failed",
                connection_id=connection_id,
                provider=provider,
                error=type(exc).__name__,
            )
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


def new_webhook_secret() -> tuple[str, str]:
    """A random URL secret for Monzo webhooks and the hash we store of it."""
    secret = secrets.token_urlsafe(32)
    return secret, hashlib.sha256(secret.encode()).hexdigest()


def connection_for_webhook(db: Session, secret: str) -> Connection | None:
    digest = hashlib.sha256(secret.encode()).hexdigest()
    return db.scalars(
        select(Connection).where(Connection.webhook_secret_hash == digest)
    ).one_or_none()
