"""Commitment alerts on the real database: a bill that did not arrive, a price rise,
each announced once; nothing for dismissed commitments or for old history."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from potwise.db.engine import make_session_factory
from potwise.db.models import Commitment, CommitmentAlert, Notice
from potwise.services.cashflow import alerts, alignment, commitments, history
from potwise.services.cashflow.commitments import CommitmentEdit, CommitmentView
from potwise.services.events import EventBus, SyncFinished
from tests.integration.cashflow.builders import LONDON, Household, months_back, today
from tests.integration.conftest import SignedIn


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), LONDON).astimezone(UTC)


def _household(db: Session, user: SignedIn) -> Household:
    """A year of pay, rent and Netflix, and council tax paid monthly up to last month."""
    h = Household.of(db, user.user_id)
    h.year_of_history()
    for d in months_back(15, 8, today() - timedelta(days=1)):
        h.add(d, -12_300, "Council Tax")
    db.commit()
    history.forget(user.user_id)
    return h


def _commitment(db: Session, user: SignedIn, payee: str, now: datetime) -> CommitmentView:
    alignment.refresh(db, user.user_id, now=now, zone=LONDON)
    views = commitments.views(db, user.user_id, now=now, zone=LONDON)
    found = [v for v in views if v.payee == payee]
    assert len(found) == 1, [(v.payee, v.cadence, v.amount, v.confidence) for v in views]
    return found[0]


def _decide(db: Session, user: SignedIn, view: CommitmentView, status: str) -> None:
    commitments.update(
        db,
        user.user_id,
        view.id,
        CommitmentEdit(status=status),
        now=datetime.now(UTC),
        zone=LONDON,
    )


def _notices(db: Session, user: SignedIn) -> list[str]:
    db.expire_all()
    rows = db.scalars(
        select(Notice).where(Notice.user_id == user.user_id, Notice.kind == "commitment_alert")
    )
    return sorted(n.message for n in rows)


def _about(notices: list[Notice], label: str) -> list[str]:
    return [n.message for n in notices if n.message.startswith(label)]


def test_a_first_sync_of_old_history_sends_nothing(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice)
    # A gym paid for half a year, then stopped months ago: old news.
    for d in months_back(5, 6, today() - timedelta(days=90)):
        h.add(d, -3_000, "Gym")
    db.commit()
    history.forget(alice.user_id)
    assert alerts.check_alerts(db, alice.user_id, now=datetime.now(UTC), zone=LONDON) == []
    assert _notices(db, alice) == []


def test_a_bill_that_did_not_arrive_is_announced_once(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    now = datetime.now(UTC)
    tax = _commitment(db, alice, "council tax", now)
    _decide(db, alice, tax, "confirmed")
    assert tax.next_date is not None
    due = tax.next_date
    later = _at(due + timedelta(days=7))
    sent = alerts.check_alerts(db, alice.user_id, now=later, zone=LONDON)
    [notice] = [n for n in sent if n.message.startswith("Council Tax")]
    day = f"{due.day} {due.strftime('%b')}"
    assert notice.message == f"Council Tax £123.00 expected on {day} has not been paid"
    assert notice.level == "warning"
    assert alerts.check_alerts(db, alice.user_id, now=later, zone=LONDON) == []
    assert alerts.check_alerts(db, alice.user_id, now=later + timedelta(days=1), zone=LONDON) == []
    assert len(_notices(db, alice)) == len(sent)
    [sent_row] = db.scalars(
        select(CommitmentAlert).where(
            CommitmentAlert.user_id == alice.user_id, CommitmentAlert.commitment_id == tax.id
        )
    )
    assert (sent_row.kind, sent_row.occurrence, sent_row.commitment_id) == (
        "missed",
        due.isoformat(),
        tax.id,
    )


def test_a_bill_paid_late_but_within_the_window_is_not_missed(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice)
    tax = _commitment(db, alice, "council tax", datetime.now(UTC))
    _decide(db, alice, tax, "confirmed")
    assert tax.next_date is not None
    h.add(tax.next_date + timedelta(days=1), -12_300, "Council Tax")
    db.commit()
    later = _at(tax.next_date + timedelta(days=7))
    assert _about(alerts.check_alerts(db, alice.user_id, now=later, zone=LONDON), "Council") == []


def test_a_dismissed_bill_is_never_announced(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    tax = _commitment(db, alice, "council tax", datetime.now(UTC))
    _decide(db, alice, tax, "dismissed")
    assert tax.next_date is not None
    later = _at(tax.next_date + timedelta(days=7))
    assert _about(alerts.check_alerts(db, alice.user_id, now=later, zone=LONDON), "Council") == []
    assert not any(m.startswith("Council") for m in _notices(db, alice))


def test_a_price_rise_is_announced_once(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice)
    netflix = _commitment(db, alice, "netflix", datetime.now(UTC))
    assert netflix.status == "detected" and (netflix.confidence or 0) >= alerts.MIN_CONFIDENCE
    assert netflix.next_date is not None
    h.add(netflix.next_date, -1_799, "Netflix")
    db.commit()
    after = _at(netflix.next_date + timedelta(days=1))
    sent = alerts.check_alerts(db, alice.user_id, now=after, zone=LONDON)
    assert _about(sent, "Netflix") == ["Netflix rose from £15.99 to £17.99"]
    again = alerts.check_alerts(db, alice.user_id, now=after + timedelta(days=1), zone=LONDON)
    assert _about(again, "Netflix") == []
    assert [m for m in _notices(db, alice) if "Netflix" in m] == [
        "Netflix rose from £15.99 to £17.99"
    ]


def test_the_check_runs_after_a_sync_and_daily(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    _household(db, alice)
    tax = _commitment(db, alice, "council tax", datetime.now(UTC))
    _decide(db, alice, tax, "confirmed")
    assert tax.next_date is not None
    factory = make_session_factory(engine)
    # After a sync (the event), at the time of the sync: nothing is due yet.
    bus = EventBus()
    alerts.install(bus, factory, fallback_timezone="Europe/London")
    bus.publish(SyncFinished(alice.user_id, "c", "manual"))
    assert _notices(db, alice) == []
    # The daily look, a week after the due date: the bill is missing.
    later = _at(tax.next_date + timedelta(days=7))
    assert alerts.check_all(factory, fallback_timezone="Europe/London", now=later) >= 1
    assert alerts.check_all(factory, fallback_timezone="Europe/London", now=later) == 0
    assert sum(m.startswith("Council Tax") for m in _notices(db, alice)) == 1


def test_after_a_sync_only_users_with_stored_commitments_are_checked(
    alice: SignedIn, db: Session, engine: Engine
) -> None:
    h = _household(db, alice)
    factory = make_session_factory(engine)
    bus = EventBus()
    alerts.install(bus, factory, fallback_timezone="Europe/London")
    # Nothing stored yet (no refresh after a sync, no daily look): the sync's check
    # runs no detection and stores nothing.
    bus.publish(SyncFinished(alice.user_id, "c", "manual"))
    assert db.scalar(select(func.count()).select_from(Commitment)) == 0
    # Once stored, the same check looks: Netflix's price rise after it is found.
    netflix = _commitment(db, alice, "netflix", datetime.now(UTC))
    assert netflix.next_date is not None
    h.add(netflix.next_date, -1_799, "Netflix")
    db.commit()
    history.forget(alice.user_id)
    sent = alerts.check_after_sync(
        factory, alice.user_id, fallback_timezone="Europe/London", now=_at(netflix.next_date)
    )
    assert _about(sent, "Netflix") == ["Netflix rose from £15.99 to £17.99"]
