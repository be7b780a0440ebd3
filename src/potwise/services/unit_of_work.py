"""What a request's session goes through around a command, so routers never handle it:
a refused command leaves nothing half-done, and work done through sessions of its own
is read afresh afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from potwise.domain.errors import DomainError


@contextmanager
def undone_if_refused(db: Session) -> Iterator[None]:
    """Run a command; when it is refused (a `DomainError`), roll the session back and let
    the refusal go on up.

    A command may set some fields on a loaded row before it finds one it refuses; the
    rollback discards them, so the form shown again next reads what is stored."""
    try:
        yield
    except DomainError:
        db.rollback()
        raise


@contextmanager
def read_afresh_after(db: Session) -> Iterator[None]:
    """Run work that writes through sessions of its own (a rule's run, a first sync);
    afterwards `db` forgets what it had loaded, so it reads what the work wrote."""
    try:
        yield
    finally:
        db.expire_all()
