"""Connecting a bank: the OAuth start and callback, and Monzo's in-app approval.

Transactions never span a bank call: each step reads what it needs and
commits, the bank is called with no transaction open, and a new unit of work
stores the result.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from potwise import clock
from potwise.banks import pkce
from potwise.banks.errors import AwaitingApproval
from potwise.banks.tokens import TokenSet
from potwise.db.models import Connection, User
from potwise.db.scoping import get_owned, owned
from potwise.domain.errors import DomainError
from potwise.logs import get_logger
from potwise.services import account_mail, oauth_state
from potwise.services.connections.credentials import credentials_for
from potwise.services.connections.status import (
    STATUS_ACTIVE,
    STATUS_AWAITING_APPROVAL,
    check_provider,
)
from potwise.services.connections.tokens import apply_tokens, valid_access_token
from potwise.services.context import ConnectionsContext
from potwise.services.errors import InvalidInput, NotFound
from potwise.services.gateway import TRUELAYER_SCOPES

log = get_logger(__name__)

# Full history is served only briefly after the user authenticates (5 minutes).
FULL_HISTORY_WINDOW = timedelta(minutes=5)


class AuthorizationDenied(DomainError):
    code = "authorization_denied"


def _now() -> datetime:
    return clock.now()


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
    check_provider(provider)
    if reconnect_id is not None:
        existing = get_owned(db, Connection, reconnect_id, user_id)
        if existing is None or existing.provider != provider:
            raise NotFound("No such connection.")
        provider_hint = provider_hint or existing.provider_id
    credentials = credentials_for(db, ctx, user_id, provider)
    # PKCE binds TrueLayer's code to this flow; Monzo documents no PKCE (what binds
    # its code instead: MonzoOAuth.authorize_url).
    code_verifier = None if provider == "monzo" else pkce.new_verifier()
    state = oauth_state.issue(
        db,
        secret_key=ctx.secret_key,
        user_id=user_id,
        session_id=session_id,
        provider=provider,
        connection_id=reconnect_id,
        code_verifier=code_verifier,
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
        code_verifier=code_verifier,
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
    check_provider(provider)
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
        code=code, redirect_uri=redirect_uri, now=_now(), code_verifier=consumed.code_verifier
    )
    return _store_truelayer(ctx, user_id, tokens, consumed.connection_id, psu_ip)


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
            _tell_user(db, ctx, user_id, "Monzo")
        connection.external_user_id = tokens.provider_user_id or connection.external_user_id
        apply_tokens(connection, ctx.vault, tokens)
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


def _tell_user(db: Session, ctx: ConnectionsContext, user_id: str, bank: str) -> None:
    """A new bank connection is worth an e-mail (in the same unit of work)."""
    user = db.get(User, user_id)
    if user is not None:
        account_mail.security_notice(
            db,
            account_mail.mailer_for(ctx.settings),
            user,
            "new_connection",
            detail=f"Bank: {bank}.",
        )


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
        new = connection is None
        if connection is None:
            connection = Connection(user_id=user_id, provider="truelayer", display_name="")
            db.add(connection)
        connection.provider_id = me.provider_id
        connection.display_name = me.provider_name or me.provider_id or "Open Banking"
        if new:
            _tell_user(db, ctx, user_id, connection.display_name)
        connection.consent_expires_at = me.consent_expires_at
        connection.external_user_id = me.credentials_id
        apply_tokens(connection, ctx.vault, tokens)
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
