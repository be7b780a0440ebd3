"""What every service is handed: settings, the session factory, the bank transports
(one pooled HTTP client behind `BankGateway`), the token vault and the event bus.

Built once by each entry point (the web app, the worker, a CLI command) with
`build_context`, and passed down; no service builds its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from potwise.services.events import EventBus
from potwise.services.gateway import BankGateway
from potwise.services.vault import Vault
from potwise.settings import Settings


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
    """The context on `session_factory`: the vault over the settings' keys and one
    bank gateway (over `transport` when given: tests swap the transport, not the
    code). Entry points call `potwise.bootstrap`, which also installs what reacts
    to its events."""
    ctx = ConnectionsContext(
        settings=settings,
        vault=Vault(settings.fernet_keys()),
        gateway=BankGateway(settings, transport=transport),
        session_factory=session_factory,
    )
    return ctx
