"""A run's hold on its pot: runs for one pot never overlap, across threads and processes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from potwise.services import leases

RUN_LEASE_TTL = timedelta(minutes=5)


@dataclass
class PotLease:
    """A run's hold on its pot: runs for one pot never overlap, across processes."""

    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: str = ""
    held: bool = False

    def take(self, db: Session, pot_id: str) -> bool:
        """Take the pot's lease (committed at once); False when another run holds it."""
        self.key = f"pot:{pot_id}"
        self.held = leases.try_acquire(db, self.key, self.owner, RUN_LEASE_TTL)
        return self.held

    def give_back(self, session_factory: sessionmaker[Session]) -> None:
        """Free the pot if the run did not already do so with its last unit of work."""
        if self.held:
            with session_factory() as db:
                leases.release(db, self.key, self.owner)
            self.held = False

    def give_up_in(self, db: Session) -> None:
        """Free the pot in the caller's unit of work: it is free once that commits."""
        if self.held:
            leases.give_up(db, self.key, self.owner)
