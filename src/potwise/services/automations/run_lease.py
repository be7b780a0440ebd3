"""A run's hold on its current account: runs of rules that move money between one
current account and its pots never overlap, across threads and processes.

One lease per account, not per pot: a sweep, a top-up and a salary sorter on the
same account each read what the others left, so one waits for the other to finish
(and sees its moves) instead of deciding on balances about to change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from potwise.services import leases

RUN_LEASE_TTL = timedelta(minutes=5)


def account_lease_key(account_id: str) -> str:
    """The name of the lease a rule run holds on its current account."""
    return f"account:{account_id}"


@dataclass
class RunLease:
    """A run's hold on its current account (see the module's note)."""

    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: str = ""
    held: bool = False

    def take(self, db: Session, account_id: str) -> bool:
        """Take the account's lease (committed at once); False when another run holds it."""
        self.key = account_lease_key(account_id)
        self.held = leases.try_acquire(db, self.key, self.owner, RUN_LEASE_TTL)
        return self.held

    def give_back(self, session_factory: sessionmaker[Session]) -> None:
        """Free the account if the run did not already do so with its last unit of work."""
        if self.held:
            with session_factory() as db:
                leases.release(db, self.key, self.owner)
            self.held = False

    def give_up_in(self, db: Session) -> None:
        """Free the account in the caller's unit of work: it is free once that commits."""
        if self.held:
            leases.give_up(db, self.key, self.owner)
