"""What happens right after a connection is made or approved: first sync, then webhooks.

The first sync runs at once because banks serve full history only briefly
after the user authenticates.
"""

from __future__ import annotations

from potwise.banks.errors import BankError
from potwise.db.models import Connection, SyncRun
from potwise.logs import get_logger
from potwise.services import connections, webhooks
from potwise.services.context import ConnectionsContext
from potwise.services.sync import engine

log = get_logger(__name__)


def after_connect(
    ctx: ConnectionsContext, connection_id: str, *, psu_ip: str | None
) -> SyncRun | None:
    """First sync of a live connection, then (Monzo) webhook registration.

    A Monzo connection still waiting for the in-app approval is left alone:
    the approval check (a button, or the scheduler) comes back to it.
    """
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is None or connection.status == connections.STATUS_AWAITING_APPROVAL:
            return None
        provider = connection.provider
    run = engine.sync_connection(ctx, connection_id, trigger="connected", psu_ip=psu_ip)
    if provider == "monzo" and run.status in {"succeeded", "partial"}:
        try:
            webhooks.register_monzo_webhooks(ctx, connection_id)
        except BankError as exc:
            log.warning("webhooks.register_failed", connection_id=connection_id, error=exc.code)
    return run


def approve_and_sync(
    ctx: ConnectionsContext, connection_id: str, *, psu_ip: str | None = None
) -> bool:
    """Check a waiting Monzo connection; when approved, run its first sync. True if approved."""
    if not connections.check_monzo_approval(ctx, connection_id):
        return False
    after_connect(ctx, connection_id, psu_ip=psu_ip)
    return True
