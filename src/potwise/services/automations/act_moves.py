"""Acting on a decision of moves (a sweep, sorter, top-up or goal): a preview on
paper, or the run, every intent and the rule's new state stored in one unit of work,
then the moves sent one after another through the executor.

Unlike the card pot (whose state follows the pot and is kept only once its move is
confirmed), these rules store their new state with the intents: what they remember
is what they decided (a pay credit sorted, a sweep slot handled), and the intents,
once stored, are carried out exactly once, by this run or by reconciliation. A move
the bank refuses is told to the user and not decided again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from potwise.db.models import Account, Automation, AutomationRun, Pot, Transfer
from potwise.domain.rules.moves import Phase, RuleDecision
from potwise.domain.transfers import RuleStatus, RunStatus, TransferStatus
from potwise.logs import get_logger
from potwise.services.automations import executor, recording
from potwise.services.automations.kinds import KindScene
from potwise.services.automations.recording import Ending, RunOutcome, RunRequest
from potwise.services.automations.run_lease import RunLease
from potwise.services.connections import ConnectionsContext
from potwise.services.errors import NotFound
from potwise.services.notify import notify

log = get_logger(__name__)

_STATUS = {
    Phase.OK: RuleStatus.OK,
    Phase.COOLDOWN: RuleStatus.COOLDOWN,
    Phase.WAITING_FUNDS: RuleStatus.WAITING_FUNDS,
}


@dataclass(frozen=True)
class Intents:
    """A run whose intents are stored (committed) and not yet sent, in order."""

    run: AutomationRun
    transfer_ids: list[str]


def preview(db: Session, rule: Automation, request: RunRequest, scene: KindScene) -> RunOutcome:
    """Record the preview; the moves it would make are shown, never stored."""
    decision = scene.decision
    outcome = recording.record(
        db,
        rule,
        request,
        Ending(RunStatus.PREVIEW, decision.reason, scene.explanation),
        inputs=scene.inputs,
        decision=decision.to_dict(),
        data_as_of=scene.ctx.data_as_of,
    )
    planned = [
        Transfer(
            id="preview",
            user_id=rule.user_id,
            automation_id=rule.id,
            pot_id=move.pot_id,
            pot_external_id="",
            account_external_id="",
            direction=move.direction.value,
            amount=move.amount,
            currency=decision.currency,
            dedupe_id=executor.dedupe_id_for(rule.id, outcome.run.id, sequence),
            status=TransferStatus.PLANNED,
            reason=move.reason,
            attempts=0,
            created_at=outcome.run.started_at,
        )
        for sequence, move in enumerate(decision.moves)
    ]
    return RunOutcome(outcome.run, planned)


def store(
    db: Session, rule: Automation, request: RunRequest, scene: KindScene, lease: RunLease
) -> RunOutcome | Intents:
    """Store the run, its intents, the rule's state and status and any notice, in one
    unit of work. A run that moves nothing ends here, its lease given back."""
    moment = recording.now()
    decision = scene.decision
    moves = bool(decision.moves)
    run = recording.new_run(
        rule,
        request,
        status=RunStatus.RUNNING if moves else RunStatus.NOTHING,
        reason=decision.reason,
        explanation=scene.explanation,
        started_at=moment,
        finished_at=None if moves else moment,
        inputs=scene.inputs,
        decision=decision.to_dict(),
        data_as_of=scene.ctx.data_as_of,
    )
    db.add(run)
    transfers: list[Transfer] = []
    if moves:
        with recording.storing(db, rule.id):
            db.flush()  # the run's id goes into the intents' dedupe_ids
        transfers = _plan(db, rule, run, decision)
        db.add_all(transfers)
    if decision.new_state is not None:
        rule.state = decision.new_state
    rule.status, rule.status_reason = _STATUS[decision.phase], decision.status_reason
    rule.last_run_at = moment
    if decision.notify:
        notify(
            db,
            rule.user_id,
            f"automation.{decision.reason}",
            decision.notify,
            level="warning",
            run_id=run.id,
        )
    if not transfers:
        recording.commit(db, rule.id, lease)
        _log_ran(request, decision, run.status)
        return RunOutcome(run, [])
    recording.commit(db, rule.id)  # the account stays leased while the money moves
    return Intents(run, [t.id for t in transfers])


def _plan(
    db: Session, rule: Automation, run: AutomationRun, decision: RuleDecision
) -> list[Transfer]:
    planned: list[Transfer] = []
    for sequence, move in enumerate(decision.moves):
        pot = db.get(Pot, move.pot_id)
        account = db.get(Account, pot.account_id) if pot is not None else None
        if pot is None or account is None:
            raise NotFound("The rule, a pot of it or its account disappeared.")
        planned.append(
            executor.plan(
                user_id=rule.user_id,
                automation_id=rule.id,
                run_id=run.id,
                sequence=sequence,
                pot=pot,
                account=account,
                direction=move.direction.value,
                amount=move.amount,
                reason=move.reason,
                state_after=None,
            )
        )
    return planned


def carry_out(
    ctx: ConnectionsContext,
    request: RunRequest,
    intents: Intents,
    decision: RuleDecision,
    lease: RunLease,
) -> RunOutcome:
    """Send the moves in order, then store how the run ended (lease given back)."""
    settled = [executor.execute(ctx, transfer_id) for transfer_id in intents.transfer_ids]
    run = intents.run
    with ctx.session_factory() as db:
        db.add(run)
        run.status = _run_status(settled)
        run.finished_at = recording.now()
        recording.commit(db, run.automation_id, lease)
    _log_ran(request, decision, run.status)
    return RunOutcome(run, settled)


def _run_status(settled: list[Transfer]) -> RunStatus:
    """Moved when every move is confirmed; failed when the bank refused one; unknown
    while one is unanswered (reconciliation finishes it)."""
    statuses = {t.status for t in settled}
    if statuses == {TransferStatus.CONFIRMED}:
        return RunStatus.MOVED
    if TransferStatus.FAILED in statuses:
        return RunStatus.FAILED
    return RunStatus.UNKNOWN


def _log_ran(request: RunRequest, decision: RuleDecision, status: str) -> None:
    log.info(
        "automation.ran",
        automation_id=request.automation_id,
        trigger=request.trigger,
        reason=decision.reason,
        moves=len(decision.moves),
        amount=decision.total,
        status=status,
    )
