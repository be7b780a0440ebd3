"""A connection's status, how people and scripts see it, and reading a user's connections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from potwise import clock
from potwise.banks.errors import AuthExpired, BankError, ConsentExpired, RateLimited
from potwise.db.models import Account, Connection
from potwise.db.scoping import get_owned, owned
from potwise.domain.providers import provider_name
from potwise.logs import get_logger
from potwise.services.context import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.zones import user_zone

log = get_logger(__name__)

PROVIDERS = ("monzo", "truelayer")
CONSENT_WARNING = timedelta(days=14)

STATUS_ACTIVE = "active"
STATUS_AWAITING_APPROVAL = "awaiting_approval"
STATUS_NEEDS_RECONNECT = "needs_reconnect"
STATUS_ERROR = "error"
# The bank could not be reached (down, slow, rate limiting): the scheduled cycle
# keeps trying, and the next successful sync makes the connection active again.
STATUS_RETRYING = "retrying"


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
    return clock.now()


def check_provider(provider: str) -> None:
    if provider not in PROVIDERS:
        raise NotFound(f"Unknown provider {provider!r}.")


def mark(db: Session, connection: Connection, status: str, reason: str | None) -> None:
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
            mark(db, connection, status, reason)


def status_after(exc: BankError) -> str:
    """The status a failed sync leaves: only the bank saying the consent or the token
    is gone asks the user to re-connect; its outages and limits are waited out."""
    if exc.transient:
        return STATUS_RETRYING
    if isinstance(exc, ConsentExpired | AuthExpired):
        return STATUS_NEEDS_RECONNECT
    return STATUS_ERROR


#: How the reason of a connection retrying after a refused fresh token begins.
REFUSED_RENEWED = "The bank refused access even after potwise renewed it"


def _status_for(exc: BankError, connection: Connection) -> str:
    """:func:`status_after`, with one more chance for a freshly renewed token the bank
    refuses: once, that is waited out (a bank a moment behind its own token service);
    refused again on a later sync, the user is asked to re-connect."""
    status = status_after(exc)
    if isinstance(exc, AuthExpired) and not (
        connection.status == STATUS_RETRYING
        and (connection.status_reason or "").startswith(REFUSED_RENEWED)
    ):
        return STATUS_RETRYING
    return status


def _reason(exc: BankError, status: str, at: str) -> str:
    if isinstance(exc, AuthExpired):
        if status == STATUS_RETRYING:
            return f"{REFUSED_RENEWED} at {at}; potwise tries again on its own."
        return f"{REFUSED_RENEWED}, twice ({exc.message})."
    if status == STATUS_RETRYING and isinstance(exc, RateLimited):
        return f"The bank asked potwise to slow down at {at}; potwise retries on its own."
    if status == STATUS_RETRYING:
        return f"The bank could not be reached at {at}; potwise retries on its own."
    return exc.message


def mark_failed(ctx: ConnectionsContext, connection_id: str, exc: BankError, at: datetime) -> str:
    """Record what a sync's failure means for its connection (see :func:`status_after`);
    the reason is a plain sentence, with the time in the user's zone. Returns the status."""
    with ctx.session_factory() as db:
        connection = db.get(Connection, connection_id)
        if connection is None:
            return status_after(exc)
        status = _status_for(exc, connection)
        zone = user_zone(db, connection.user_id, ctx.settings.timezone)
        reason = _reason(exc, status, f"{at.astimezone(zone):%H:%M}")
        if connection.status == status and connection.status_reason != reason:
            connection.status_reason = reason  # the same trouble, seen again
            db.commit()
        elif connection.status != status:
            mark(db, connection, status, reason)
    return status


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
        display_name=provider_name(
            connection.provider, connection.provider_id, connection.display_name
        ),
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
