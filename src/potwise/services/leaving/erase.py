"""Erasing everything a user owns, in one unit of work, driven by the models' metadata.

A row belongs to the user when its table has a `user_id` equal to theirs, or when a
foreign key that goes with its parent (anything but `SET NULL`) points at a row
that belongs to them: a balance snapshot through its pot, an unattended call
through its connection. Tables added later are covered without edits here, as
long as they say whom they belong to by a column or a key.

A few rows name the user only inside a string, with no key to follow; they are
listed here: leases keyed by a connection or an account (`sync:<id>`,
`account:<id>`), the second-factor throttle (keyed by the user id) and rows that
hold the address itself (an invitation, mail to the address without an owner).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Delete, Table, delete, false, func, or_, select
from sqlalchemy.orm import Session

from potwise.db.models import Account, Base, Connection, Lease, LoginFailure, User, table_of

#: Columns that hold an e-mail address in tables that may have rows with no owner.
ADDRESS_COLUMNS = ("email", "to_address")
_USERS = table_of(User)


def _owned(table: Table, user_id: str, seen: frozenset[str]) -> ColumnElement[bool]:
    """Whether a row of `table` belongs to the user (see the module's note)."""
    if table is _USERS:
        return _USERS.c.id == user_id
    clauses: list[ColumnElement[bool]] = []
    if "user_id" in table.c:
        clauses.append(table.c.user_id == user_id)
    for fk in sorted(table.foreign_keys, key=lambda k: k.parent.name):
        parent = fk.column.table
        if fk.ondelete == "SET NULL" or parent is _USERS or parent.name in seen:
            continue
        clause = _owned(parent, user_id, seen | {table.name})
        clauses.append(fk.parent.in_(select(fk.column).where(clause)))
    return or_(*clauses) if clauses else false()


def owned_tables() -> list[Table]:
    """Every table a user's rows may be in, children before their parents."""
    return [t for t in reversed(Base.metadata.sorted_tables) if _may_own(t)]


def _may_own(table: Table) -> bool:
    return (
        table is _USERS
        or "user_id" in table.c
        or any(
            fk.ondelete != "SET NULL" and fk.column.table is not table for fk in table.foreign_keys
        )
    )


def census(db: Session, user_id: str) -> dict[str, int]:
    """How many rows of the user each table holds (tables with none left out)."""
    counts: dict[str, int] = {}
    for table in owned_tables():
        clause = _owned(table, user_id, frozenset())
        found = db.scalar(select(func.count()).select_from(table).where(clause)) or 0
        if found:
            counts[table.name] = int(found)
    return counts


def erase(db: Session, user_id: str, email: str, extra_ids: Iterable[str] = ()) -> dict[str, int]:
    """Delete every row of the user in the caller's unit of work (the caller commits);
    the counts of rows deleted, by table. `extra_ids` are ids of the user's that
    may be named in a lease key though their rows are gone (a connection already
    disconnected)."""
    counts: dict[str, int] = {}
    ids = set(extra_ids) | _ids_of(db, user_id)
    for table in owned_tables():
        clause = _owned(table, user_id, frozenset())
        addresses = [table.c[name] == email for name in ADDRESS_COLUMNS if name in table.c]
        if addresses:
            clause = or_(clause, *addresses)
        _run(db, counts, table.name, delete(table).where(clause))
    leases = table_of(Lease)
    keys = [f"{prefix}:{i}" for i in ids for prefix in ("sync", "account")]
    if keys:
        _run(db, counts, leases.name, delete(leases).where(leases.c.key.in_(keys)))
    throttle = delete(LoginFailure).where(LoginFailure.key_hash == user_id)
    _run(db, counts, LoginFailure.__tablename__, throttle)
    return counts


def _ids_of(db: Session, user_id: str) -> set[str]:
    """The ids a lease may be keyed by: the user's connections and accounts."""
    found = set(db.scalars(select(Connection.id).where(Connection.user_id == user_id)))
    found |= set(db.scalars(select(Account.id).where(Account.user_id == user_id)))
    return found


def _run(db: Session, counts: dict[str, int], name: str, statement: Delete) -> None:
    rowcount = int(getattr(db.execute(statement), "rowcount", 0) or 0)
    if rowcount:
        counts[name] = counts.get(name, 0) + rowcount
