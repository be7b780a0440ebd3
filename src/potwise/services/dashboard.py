"""What the dashboard shows about a user's money and connections."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Connection
from potwise.db.scoping import for_user


@dataclass(frozen=True)
class ProviderStatus:
    name: str
    description: str
    connections: int


@dataclass(frozen=True)
class Overview:
    providers: list[ProviderStatus]
    accounts: int

    @property
    def connected(self) -> bool:
        return any(p.connections for p in self.providers)


def overview(db: Session, user_id: str) -> Overview:
    """Counts of the user's connections per provider and of mirrored accounts."""
    rows = db.execute(
        for_user(select(Connection.provider, func.count()), Connection, user_id).group_by(
            Connection.provider
        )
    )
    per_provider: dict[str, int] = {provider: int(count) for provider, count in rows}
    accounts = db.scalar(for_user(select(func.count()).select_from(Account), Account, user_id))
    return Overview(
        providers=[
            ProviderStatus(
                "Monzo",
                "Current and joint accounts, pots, and the money moves between them.",
                per_provider.get("monzo", 0),
            ),
            ProviderStatus(
                "Other banks and cards",
                "Through Open Banking: American Express, Barclaycard and UK bank accounts.",
                per_provider.get("truelayer", 0),
            ),
        ],
        accounts=int(accounts or 0),
    )
