"""Reading what rules did: runs with their transfers, and every transfer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Automation, AutomationRun, Transfer
from potwise.db.scoping import get_owned, owned
from potwise.services.errors import NotFound


def runs(
    db: Session, user_id: str, automation_id: str, *, limit: int = 50
) -> list[tuple[AutomationRun, list[Transfer]]]:
    rows = list(
        db.scalars(
            owned(AutomationRun, user_id)
            .where(AutomationRun.automation_id == automation_id)
            .order_by(AutomationRun.started_at.desc())
            .limit(limit)
        )
    )
    by_run: dict[str, list[Transfer]] = {run.id: [] for run in rows}
    if rows:
        for transfer in db.scalars(
            select(Transfer).where(Transfer.run_id.in_(list(by_run))).order_by(Transfer.created_at)
        ):
            if transfer.run_id is not None:
                by_run[transfer.run_id].append(transfer)
    return [(run, by_run[run.id]) for run in rows]


def transfers(
    db: Session, user_id: str, *, automation_id: str | None = None, limit: int = 100
) -> list[Transfer]:
    statement = owned(Transfer, user_id)
    if automation_id is not None:
        if get_owned(db, Automation, automation_id, user_id) is None:
            raise NotFound("No such automation.")
        statement = statement.where(Transfer.automation_id == automation_id)
    return list(db.scalars(statement.order_by(Transfer.created_at.desc()).limit(limit)))
