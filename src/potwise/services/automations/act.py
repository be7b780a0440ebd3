"""Acting on a decision: a preview on paper, or the run, the intent and the rule's
new status stored in one unit of work, then the money moved through the executor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, AutomationRun, Pot, Transfer
from potwise.domain.rules import cardpot
from potwise.domain.transfers import RunStatus, TransferStatus, run_status_after
from potwise.logs import get_logger
from potwise.services.automations import executor, recording
from potwise.services.automations.evaluate import Evaluation, rule_status
from potwise.services.automations.recording import Ending, RunOutcome, RunRequest
from potwise.services.automations.run_lease import RunLease
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.notify import notify

log = get_logger(__name__)


@dataclass(frozen=True)
class Intent:
    """A run whose transfer intent is stored (committed) and not yet sent."""

    run: AutomationRun
    transfer_id: str


def preview(db: Session, rule: Automation, request: RunRequest, ev: Evaluation) -> RunOutcome:
    """Record the preview; the move it would make is shown, never stored."""
    decision = ev.decision
    outcome = recording.record(
        db,
        rule,
        request,
        Ending(RunStatus.PREVIEW, decision.reason.value, ev.explanation),
        inputs=ev.inputs,
        decision=decision.to_dict(),
        data_as_of=ev.scene.data_as_of,
    )
    if decision.action == cardpot.Action.NONE:
        return outcome
    planned = Transfer(
        id="preview",
        user_id=ev.scene.user_id,
        automation_id=rule.id,
        pot_id=ev.scene.pot_row_id,
        pot_external_id="",
        account_external_id="",
        direction=decision.action.value,
        amount=decision.amount,
        currency=decision.currency,
        dedupe_id=executor.dedupe_id_for(rule.id, outcome.run.id, 0),
        status=TransferStatus.PLANNED,
        reason=ev.explanation,
        attempts=0,
        created_at=outcome.run.started_at,
    )
    return RunOutcome(outcome.run, [planned])


def store(
    db: Session, rule: Automation, request: RunRequest, ev: Evaluation, lease: RunLease
) -> RunOutcome | Intent:
    """Store the run, the intent (when money moves), the rule's state and status and any
    notice, in one unit of work. A run that moves nothing ends here, its lease given back."""
    moment = recording.now()
    decision = ev.decision
    moves = decision.action != cardpot.Action.NONE
    run = recording.new_run(
        rule,
        request,
        status=RunStatus.RUNNING if moves else RunStatus.NOTHING,
        reason=decision.reason.value,
        explanation=ev.explanation,
        started_at=moment,
        finished_at=None if moves else moment,
        inputs=ev.inputs,
        decision=decision.to_dict(),
        data_as_of=ev.scene.data_as_of,
    )
    db.add(run)
    new_state = decision.new_state.to_dict() if decision.new_state is not None else None
    transfer: Transfer | None = None
    if moves:
        with recording.storing(db, rule.id):
            db.flush()  # the run's id goes into the intent's dedupe_id
        transfer = _plan(db, rule, run, ev, new_state)
        db.add(transfer)
    elif new_state is not None:
        rule.state = new_state
    rule.status, rule.status_reason = rule_status(decision)
    rule.last_run_at = moment
    if decision.notify:
        kind = f"automation.{decision.reason.value}"
        notify(db, rule.user_id, kind, decision.notify, level="warning", run_id=run.id)
    if transfer is None:
        recording.commit(db, rule.id, lease)
        _log_ran(request, ev, run.status, None)
        return RunOutcome(run, [])
    recording.commit(db, rule.id)  # the pot stays leased while the money moves
    return Intent(run, transfer.id)


def _plan(
    db: Session,
    rule: Automation,
    run: AutomationRun,
    ev: Evaluation,
    new_state: dict[str, Any] | None,
) -> Transfer:
    pot = db.get(Pot, ev.scene.pot_row_id)
    account = db.get(Account, ev.scene.account_row_id)
    if pot is None or account is None:
        raise NotFound("The rule, its pot or its account disappeared.")
    return executor.plan(
        user_id=rule.user_id,
        automation_id=rule.id,
        run_id=run.id,
        sequence=0,
        pot=pot,
        account=account,
        direction=ev.decision.action.value,
        amount=ev.decision.amount,
        reason=ev.explanation,
        state_after=new_state,
    )


def carry_out(
    ctx: ConnectionsContext, request: RunRequest, intent: Intent, ev: Evaluation, lease: RunLease
) -> RunOutcome:
    """Move the money through the executor, then store how the run ended (lease given back)."""
    settled = executor.execute(ctx, intent.transfer_id)
    run = intent.run
    with ctx.session_factory() as db:
        db.add(run)
        run.status = run_status_after(settled.status)
        run.finished_at = recording.now()
        recording.commit(db, run.automation_id, lease)
    _log_ran(request, ev, run.status, settled.dedupe_id)
    return RunOutcome(run, [settled])


def _log_ran(request: RunRequest, ev: Evaluation, status: str, dedupe_id: str | None) -> None:
    log.info(
        "automation.ran",
        automation_id=request.automation_id,
        trigger=request.trigger,
        reason=ev.decision.reason.value,
        action=ev.decision.action.value,
        amount=ev.decision.amount,
        dedupe_id=dedupe_id,
        status=status,
    )
