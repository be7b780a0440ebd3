"""The run record: what a run was asked to do, and the one place its `AutomationRun` is built.

Every way a run ends (stood aside, skipped, failed, previewed, moved money or
decided to move none) is stored through `new_run`, and a run that holds its
account's lease gives it back in the unit of work that stores how it ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from potwise import clock
from potwise.db.models import Automation, AutomationRun, Transfer
from potwise.domain.transfers import RunStatus
from potwise.services.automations.run_lease import RunLease
from potwise.services.errors import NotFound

# A rule's status and the reason shown with it (ok, paused, waiting_funds, cooldown, error).
StatusAndReason = tuple[str, str | None]


def now() -> datetime:
    return clock.now()


@dataclass(frozen=True)
class RunRequest:
    """One run asked for: which rule, what set it off, and whether it may move money."""

    automation_id: str
    trigger: str
    dry_run: bool = False
    # The user's address when they asked in person (banks allow more calls then).
    psu_ip: str | None = None
    # What a Monzo transaction that set it off was (`triggers.cause_of`), if one did.
    cause: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    """The stored run, with the transfers it sent (or, for a preview, would send)."""

    run: AutomationRun
    transfers: list[Transfer]


@dataclass(frozen=True)
class Ending:
    """How a run ended without sending money, and what it does to the rule's status."""

    status: RunStatus
    reason: str
    explanation: str
    rule_status: StatusAndReason | None = None


@contextmanager
def storing(db: Session, automation_id: str) -> Iterator[None]:
    """Writes of a run under way: when they fail because the rule was deleted meanwhile
    (its runs go with it), the run ends as one asked for a missing rule does."""
    try:
        yield
    except (IntegrityError, StaleDataError):
        db.rollback()
        if db.get(Automation, automation_id) is None:
            raise NotFound("No such automation.") from None
        raise


def commit(db: Session, automation_id: str, lease: RunLease | None = None) -> None:
    """Commit the unit of work that ends a run, giving the account's lease back with it."""
    if lease is not None:
        lease.give_up_in(db)
    with storing(db, automation_id):
        db.commit()
    if lease is not None:
        lease.held = False


def new_run(
    rule: Automation,
    request: RunRequest,
    *,
    status: RunStatus,
    reason: str,
    explanation: str,
    started_at: datetime,
    finished_at: datetime | None,
    inputs: dict[str, Any] | None = None,
    decision: dict[str, Any] | None = None,
    data_as_of: datetime | None = None,
) -> AutomationRun:
    """The run record; the only place one is built."""
    return AutomationRun(
        user_id=rule.user_id,
        automation_id=rule.id,
        trigger=request.trigger,
        cause=request.cause,
        dry_run=request.dry_run,
        started_at=started_at,
        finished_at=finished_at,
        status=status,
        reason=reason,
        explanation=explanation,
        inputs=inputs or {},
        decision=decision or {},
        data_as_of=data_as_of,
    )


def record(
    db: Session,
    rule: Automation,
    request: RunRequest,
    ending: Ending,
    *,
    lease: RunLease | None = None,
    inputs: dict[str, Any] | None = None,
    decision: dict[str, Any] | None = None,
    data_as_of: datetime | None = None,
) -> RunOutcome:
    """Store a run that ended without sending money; a real run also marks the rule."""
    moment = now()
    # A preview is a preview however it ends, unless it could not even start.
    status = (
        RunStatus.PREVIEW
        if request.dry_run and ending.status != RunStatus.SKIPPED
        else ending.status
    )
    run = new_run(
        rule,
        request,
        status=status,
        reason=ending.reason,
        explanation=ending.explanation,
        started_at=moment,
        finished_at=moment,
        inputs=inputs,
        decision=decision,
        data_as_of=data_as_of,
    )
    db.add(run)
    if not request.dry_run:
        rule.last_run_at = moment
        if ending.rule_status is not None:
            rule.status, rule.status_reason = ending.rule_status
    commit(db, rule.id, lease)
    return RunOutcome(run, [])
