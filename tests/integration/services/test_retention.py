"""Retention: operational history older than the limit goes in batches; younger rows,
rows reconciliation or a lease still needs, and the user's own data stay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from potwise.db.models import (
    Automation,
    AutomationRun,
    Connection,
    Notice,
    NotificationChannel,
    NotificationDelivery,
    SyncRun,
    Transaction,
    Transfer,
    UnattendedCall,
    User,
)
from potwise.services.housekeeping import purge_expired
from potwise.services.retention import purge_history
from tests.support.mirror_rows import current_account

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=401)
YOUNG = NOW - timedelta(days=399)


@pytest.fixture
def deletes(engine: Engine) -> Iterator[list[str]]:
    """Every DELETE statement the test's engine runs, by its table."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM"):
            seen.append(statement.split()[2].strip('"'))

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _count(db: Session, model: Any, *where: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _world(db: Session) -> dict[str, Any]:
    account = current_account(db, "r@example.com", external_id="acc")
    user = db.get_one(User, account.user_id)
    connection = db.get_one(Connection, account.connection_id)
    rule = Automation(user_id=user.id, kind="sweep", name="Sweep", config={})
    channel = NotificationChannel(
        user_id=user.id, kind="webhook", name="ntfy", config_encrypted="x"
    )
    db.add_all([rule, channel])
    db.flush()
    return {
        "user": user,
        "connection": connection,
        "account": account,
        "rule": rule,
        "channel": channel,
    }


def _sync_run(w: dict[str, Any], at: datetime, *, finished: bool = True) -> SyncRun:
    return SyncRun(
        user_id=w["user"].id,
        connection_id=w["connection"].id,
        trigger="schedule",
        started_at=at,
        finished_at=at + timedelta(seconds=5) if finished else None,
        status="succeeded" if finished else "running",
    )


def _rule_run(w: dict[str, Any], at: datetime) -> AutomationRun:
    return AutomationRun(
        user_id=w["user"].id,
        automation_id=w["rule"].id,
        trigger="schedule",
        started_at=at,
        finished_at=at,
        status="moved",
        explanation="Moved £1.00 into Savings.",
    )


def _transfer(w: dict[str, Any], run: AutomationRun, status: str, n: int) -> Transfer:
    return Transfer(
        user_id=w["user"].id,
        automation_id=w["rule"].id,
        run_id=run.id,
        connection_id=w["connection"].id,
        pot_external_id="pot",
        account_external_id="acc",
        direction="deposit",
        amount=100,
        currency="GBP",
        dedupe_id=f"potwise-retention-{n}",
        status=status,
        created_at=run.started_at,
    )


def test_history_older_than_the_limit_goes_in_batches_and_everything_else_stays(
    db: Session, deletes: list[str]
) -> None:
    w = _world(db)
    old_runs = [_sync_run(w, OLD - timedelta(hours=h)) for h in range(5)]
    still_running = _sync_run(w, OLD - timedelta(days=3), finished=False)
    young_run = _sync_run(w, YOUNG)
    db.add_all([*old_runs, still_running, young_run])
    settled_run, unsettled_run, young_rule_run = (
        _rule_run(w, OLD - timedelta(hours=2)),
        _rule_run(w, OLD - timedelta(hours=1)),
        _rule_run(w, YOUNG),
    )
    db.add_all([settled_run, unsettled_run, young_rule_run])
    db.flush()
    db.add_all(
        [_transfer(w, settled_run, "confirmed", 1), _transfer(w, unsettled_run, "unknown", 2)]
    )
    read_old = Notice(
        user_id=w["user"].id, kind="transfer", message="a", created_at=OLD, read_at=OLD
    )
    waiting_old = Notice(user_id=w["user"].id, kind="transfer", message="b", created_at=OLD)
    young_notice = Notice(user_id=w["user"].id, kind="transfer", message="c", created_at=YOUNG)
    db.add_all([read_old, waiting_old, young_notice])
    db.flush()
    for notice, status in ((read_old, "sent"), (waiting_old, "digest"), (young_notice, "sent")):
        db.add(
            NotificationDelivery(
                user_id=w["user"].id,
                channel_id=w["channel"].id,
                notice_id=notice.id,
                event="transfer",
                status=status,
                due_at=notice.created_at,
                created_at=notice.created_at,
            )
        )
    db.add(
        Transaction(
            user_id=w["user"].id,
            connection_id=w["connection"].id,
            account_id=w["account"].id,
            external_id="tx-old",
            created_at=OLD - timedelta(days=300),
            amount=-500,
            currency="GBP",
            status="settled",
            description="SHOP",
        )
    )
    db.add(UnattendedCall(connection_id=w["connection"].id, at=OLD, endpoint="balance"))
    db.add(UnattendedCall(connection_id=w["connection"].id, at=NOW, endpoint="balance"))
    db.commit()
    deletes.clear()

    counts = purge_history(db, NOW, 400, batch=2)

    assert counts == {
        "sync_runs": 5,
        "automation_runs": 1,
        "notification_deliveries": 1,
        "notices": 1,
        "unattended_calls": 1,
    }
    # Five old sync runs, two at a time: three statements, each its own commit.
    assert deletes.count("sync_runs") == 3
    db.expire_all()
    assert set(db.scalars(select(SyncRun.id))) == {still_running.id, young_run.id}
    assert set(db.scalars(select(AutomationRun.id))) == {unsettled_run.id, young_rule_run.id}
    assert set(db.scalars(select(Notice.id))) == {waiting_old.id, young_notice.id}
    assert _count(db, NotificationDelivery) == 2
    # The user's own data: the old transaction, the rule, both transfers (the settled
    # one keeps its reason, without the run it came from).
    assert _count(db, Transaction) == 1
    assert _count(db, Automation) == 1
    assert _count(db, Transfer) == 2
    assert _count(db, Transfer, Transfer.run_id.is_(None)) == 1


def test_each_connection_and_rule_keeps_its_latest_run_however_old(db: Session) -> None:
    w = _world(db)
    only_sync = _sync_run(w, OLD - timedelta(days=100))
    only_rule_run = _rule_run(w, OLD - timedelta(days=100))
    db.add_all([only_sync, only_rule_run])
    db.commit()
    assert purge_history(db, NOW, 400)["sync_runs"] == 0
    assert _count(db, SyncRun) == 1 and _count(db, AutomationRun) == 1


def test_housekeeping_applies_the_retention_it_is_given(db: Session) -> None:
    w = _world(db)
    db.add_all([_sync_run(w, OLD - timedelta(hours=1)), _sync_run(w, YOUNG)])
    db.commit()
    assert purge_expired(db, NOW)["unattended_calls"] == 0 and _count(db, SyncRun) == 2
    counts = purge_expired(db, NOW, retention_days=400)
    assert counts["sync_runs"] == 1 and _count(db, SyncRun) == 1
    # A shorter limit reaches younger rows, never the latest run.
    assert purge_expired(db, NOW, retention_days=1)["sync_runs"] == 0
