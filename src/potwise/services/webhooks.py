"""Monzo webhooks: register them when a connection goes live, receive `transaction.created`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from potwise import clock
from potwise.banks.errors import BadResponse, BankError
from potwise.banks.monzo.mapping import parse_webhook
from potwise.db.models import Account, Connection, Transaction
from potwise.domain.mirror import AccountKind
from potwise.logs import get_logger
from potwise.services import connections
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import InvalidInput, NotFound
from potwise.services.events import EventBus, TransactionsChanged
from potwise.services.sync.store.scope import Scope
from potwise.services.sync.store.transactions import upsert_transactions

log = get_logger(__name__)


def webhook_url(ctx: ConnectionsContext, secret: str) -> str:
    return f"{ctx.settings.public_url}/webhooks/monzo/{secret}"


def register_monzo_webhooks(ctx: ConnectionsContext, connection_id: str) -> int:
    """Point Monzo's `transaction.created` events for every open account at us.

    A fresh random secret goes in the URL; only its hash is stored. Earlier
    registrations of this connection are removed first, so there is one per account.
    """
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is None or connection.provider != "monzo":
            raise NotFound("No such Monzo connection.")
        old_ids = [w for w in (connection.webhook_external_id or "").split(",") if w]
        accounts = list(
            db.scalars(
                select(Account.external_id).where(
                    Account.connection_id == connection_id,
                    Account.closed.is_(False),
                    Account.kind.in_([AccountKind.CURRENT.value, AccountKind.JOINT.value]),
                )
            )
        )
    token = connections.valid_access_token(ctx, connection_id)
    client = ctx.gateway.monzo(token)
    for webhook_id in old_ids:
        try:
            client.delete_webhook(webhook_id)
        except BankError as exc:
            log.warning("webhooks.deregister_failed", connection_id=connection_id, error=exc.code)
    secret, digest = connections.new_webhook_secret()
    url = webhook_url(ctx, secret)
    registered = [client.register_webhook(account, url) for account in accounts]
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is not None:
            connection.webhook_secret_hash = digest
            connection.webhook_external_id = ",".join(registered)
            db.commit()
    log.info("webhooks.registered", connection_id=connection_id, accounts=len(registered))
    return len(registered)


def require_known_secret(ctx: ConnectionsContext, secret: str) -> None:
    """NotFound unless `secret` is a live webhook's: asked before the body is read."""
    with ctx.session_factory() as db:
        if connections.connection_for_webhook(db, secret) is None:
            raise NotFound("Unknown webhook.")


def receive_monzo(ctx: ConnectionsContext, events: EventBus, secret: str, payload: Any) -> str:
    """Store a delivered transaction at once and announce it; returns our transaction id.

    Unknown secrets are NotFound; malformed payloads are InvalidInput and
    write nothing.
    """
    with ctx.session_factory() as db:
        connection = connections.connection_for_webhook(db, secret)
        if connection is None:
            raise NotFound("Unknown webhook.")
        try:
            transaction = parse_webhook(payload)
        except BadResponse as exc:
            log.warning("webhooks.malformed", connection_id=connection.id, reason=exc.message)
            raise InvalidInput(f"Malformed webhook: {exc.message}") from exc
        account_id = db.scalar(
            select(Account.id).where(
                Account.connection_id == connection.id,
                Account.external_id == transaction.account_external_id,
            )
        )
        if account_id is None:
            log.warning("webhooks.unknown_account", connection_id=connection.id)
            raise NotFound("The webhook names an account this connection does not have.")
        scope = Scope(connection.user_id, connection.id, "monzo")
        upsert_transactions(db, scope, account_id, [transaction], clock.now())
        db.commit()
        stored_id = db.scalar(
            select(Transaction.id).where(
                Transaction.connection_id == connection.id,
                Transaction.external_id == transaction.external_id,
            )
        )
        event = TransactionsChanged(
            user_id=connection.user_id,
            connection_id=connection.id,
            account_id=account_id,
            transaction_ids=(str(stored_id),),
            source="webhook",
        )
    log.info("webhooks.transaction_received", connection_id=event.connection_id)
    events.publish(event)
    return str(stored_id)
