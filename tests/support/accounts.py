"""Accounts for tests: confirm an address as an operator would (`potwise user verify`),
so a test about rules starts from a user allowed to make them."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from potwise.services import verification


def verify_address(session_factory: sessionmaker[Session], email: str) -> None:
    with session_factory() as db:
        verification.operator_verify(db, email)
