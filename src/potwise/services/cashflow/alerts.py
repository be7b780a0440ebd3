"""Commitment alerts: an expected bill or income that did not arrive, a bill that rose.

The decisions are `domain.commitment_alerts`; this module feeds them each
commitment that is watched - confirmed ones, and detections confident enough
(:data:`MIN_CONFIDENCE`) that nobody dismissed - with the payee's settled
payments in its direction, and sends what is due through `notify`. A row in
``commitment_alerts`` per payee, kind and occurrence makes each alert go out
once, even when two workers check at the same moment.

Checked after every sync and webhook (:func:`install`) and once a day by the
scheduler (:func:`check_all`): a missed payment shows by the passage of time,
not by a sync. A check stores the user's commitments in line with detection
first (`alignment.refresh`; a write, like the alerts it records). The check after
a sync looks only at users whose commitments are already stored (by an earlier
sync, a change the user made, or the daily look): an alert is only ever about a
payment after its commitment was stored, so for anyone else it could find nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import Account, Commitment, CommitmentAlert, Notice, Transaction
from potwise.db.scoping import for_user, owned
from potwise.domain.calendar import DEFAULT_CALENDAR
from potwise.domain.commitment_alerts import Alert, AlertSettings, Payment, Watched, alerts_due
from potwise.domain.commitments import CommitmentStatus
from potwise.domain.merchants import merchant_key, merchant_key_for
from potwise.domain.recurring import INTERNAL_CLASSIFICATIONS, TxnFact
from potwise.logs import get_logger
from potwise.services import dashboard
from potwise.services.cashflow import alignment, commitments, plans
from potwise.services.cashflow.commitments import CommitmentView
from potwise.services.cashflow.history import history
from potwise.services.events import EventBus, Submit, after_user_changes
from potwise.services.notify import notify

log = get_logger(__name__)

ALERT_KIND = "commitment_alert"
#: A detection nobody confirmed is watched from this confidence on.
MIN_CONFIDENCE = 0.8
#: Pending payments this recent count as arrived.
PENDING_DAYS = 21


def watched(view: CommitmentView) -> bool:
    """Whether the commitment's payments are watched: confirmed, or confidently
    detected; never dismissed."""
    if view.status is CommitmentStatus.DISMISSED:
        return False
    if view.status is CommitmentStatus.CONFIRMED:
        return True
    return view.confidence is not None and view.confidence >= MIN_CONFIDENCE


def _subject(view: CommitmentView) -> str:
    return f"{view.direction}:{view.payee}"[:300]


def _payee_keys(view: CommitmentView) -> set[str]:
    # A commitment added by hand carries the display name; the facts, the key.
    keys = {view.payee}
    key = merchant_key(view.payee)
    if key:
        keys.add(key)
    return keys


def _payments_by_payee(facts: Iterable[TxnFact]) -> dict[tuple[str, str], list[TxnFact]]:
    out: dict[tuple[str, str], list[TxnFact]] = defaultdict(list)
    for f in facts:
        if f.amount == 0 or f.classification in INTERNAL_CLASSIFICATIONS:
            continue
        out[(f.payee, "in" if f.amount > 0 else "out")].append(f)
    return out


def _labels(views: list[CommitmentView]) -> dict[str, str]:
    """What to call each commitment: its one display name (`CommitmentView.name`)."""
    return {v.id: v.name for v in views}


def _pending(db: Session, user_id: str, now: datetime, zone: tzinfo) -> list[TxnFact]:
    """Recent payments not settled yet: a card payment waits days to settle, and has
    arrived all the same."""
    since = now - timedelta(days=PENDING_DAYS)
    rows = db.scalars(
        owned(Transaction, user_id).where(
            Transaction.status == "pending", Transaction.created_at >= since
        )
    )
    return [
        TxnFact(
            id=t.id,
            on=t.created_at.astimezone(zone).date(),
            amount=t.amount,
            payee=t.merchant_key
            or merchant_key_for(t.merchant, t.counterparty, t.description)
            or "",
            account_id=t.account_id,
            classification=t.classification,
            currency=t.currency,
        )
        for t in rows
    ]


def _record(db: Session, user_id: str, view: CommitmentView, alert: Alert) -> bool:
    """Remember an alert as sent; False when it already was (perhaps just now, by
    another worker: the unique constraint decides)."""
    try:
        with db.begin_nested():
            db.add(
                CommitmentAlert(
                    user_id=user_id,
                    commitment_id=view.id,
                    subject=_subject(view),
                    kind=alert.kind,
                    occurrence=alert.occurrence,
                    created_at=clock.now(),
                )
            )
    except IntegrityError:
        return False
    return True


def check_alerts(db: Session, user_id: str, *, now: datetime, zone: tzinfo) -> list[Notice]:
    """Send the commitment alerts due at ``now`` (each once) and commit. Returns the
    notices sent."""
    found = history(db, user_id, now=now, zone=zone)
    alignment.refresh(db, user_id, now=now, zone=zone, found=found)
    views = [
        v for v in commitments.views(db, user_id, now=now, zone=zone, found=found) if watched(v)
    ]
    if not views:
        return []
    prefs = plans.preferences(db, user_id)
    settings = AlertSettings(
        working_days=prefs.match_working_days, amount_tolerance=prefs.match_amount_tolerance
    )
    known = _stored_since(db, user_id)
    sent_before = _sent_before(db, user_id)
    labels = _labels(views)
    by_payee = _payments_by_payee((*found.facts, *_pending(db, user_id, now, zone)))
    sent: list[Notice] = []
    for view in views:
        created = known.get(view.id)
        if created is None:
            continue
        item = _watched(view, labels[view.id], created.astimezone(zone).date(), by_payee)
        for alert in alerts_due(item, found.today, settings, DEFAULT_CALENDAR):
            if (_subject(view), alert.kind, alert.occurrence) in sent_before:
                continue
            notice = _send(db, user_id, view, alert)
            if notice is not None:
                sent.append(notice)
    db.commit()
    return sent


def _stored_since(db: Session, user_id: str) -> dict[str, datetime]:
    """When each stored commitment of the user was first stored, by id."""
    return {
        cid: created
        for cid, created in db.execute(
            for_user(select(Commitment.id, Commitment.created_at), Commitment, user_id)
        )
    }


def _sent_before(db: Session, user_id: str) -> set[tuple[str, str, str]]:
    """The alerts already sent: (subject, kind, occurrence)."""
    return {
        (subject, kind, occurrence)
        for subject, kind, occurrence in db.execute(
            for_user(
                select(CommitmentAlert.subject, CommitmentAlert.kind, CommitmentAlert.occurrence),
                CommitmentAlert,
                user_id,
            )
        )
    }


def _watched(
    view: CommitmentView,
    label: str,
    known_on: date,
    by_payee: dict[tuple[str, str], list[TxnFact]],
) -> Watched:
    """The commitment as the alert rules see it, with its payee's payments in its
    direction and currency."""
    facts = [f for key in _payee_keys(view) for f in by_payee.get((key, view.direction), ())]
    currency = view.currency
    return Watched(
        id=view.id,
        label=label,
        direction=view.direction,
        amount=view.amount if view.direction == "in" else -view.amount,
        currency=currency,
        schedule=view.model.schedule,
        known_on=known_on,
        payments=tuple(Payment(f.id, f.on, f.amount) for f in facts if f.currency == currency),
    )


def _send(db: Session, user_id: str, view: CommitmentView, alert: Alert) -> Notice | None:
    """Record the alert and notify the user; None when it was already recorded."""
    if not _record(db, user_id, view, alert):
        return None
    notice = notify(db, user_id, ALERT_KIND, alert.message, level=alert.level)
    log.info(
        "commitment.alert",
        user_id=user_id,
        commitment_id=view.id,
        kind=alert.kind,
        occurrence=alert.occurrence,
    )
    return notice


def check_user(
    session_factory: sessionmaker[Session],
    user_id: str,
    *,
    fallback_timezone: str,
    now: datetime | None = None,
) -> list[Notice]:
    """Check one user's commitments in a unit of work of its own."""
    return dashboard.check_user_alerts(
        session_factory, check_alerts, user_id, fallback_timezone=fallback_timezone, now=now
    )


def check_after_sync(
    session_factory: sessionmaker[Session],
    user_id: str,
    *,
    fallback_timezone: str,
    now: datetime | None = None,
) -> list[Notice]:
    """:func:`check_user`, for a user with stored commitments (see the module's note)."""
    return dashboard.check_user_alerts(
        session_factory, _check_if_stored, user_id, fallback_timezone=fallback_timezone, now=now
    )


def _check_if_stored(db: Session, user_id: str, *, now: datetime, zone: tzinfo) -> list[Notice]:
    stored = db.scalar(for_user(select(Commitment.id), Commitment, user_id).limit(1))
    if stored is None:
        return []
    return check_alerts(db, user_id, now=now, zone=zone)


def check_all(
    session_factory: sessionmaker[Session],
    *,
    fallback_timezone: str,
    now: datetime | None = None,
) -> int:
    """The daily look: every user with an account is checked (a failing user is
    logged and skipped). Returns how many notices went out."""
    with session_factory() as db:
        user_ids = list(db.scalars(select(Account.user_id).distinct()))
    count = 0
    for user_id in sorted(user_ids):
        try:
            count += len(
                check_user(session_factory, user_id, fallback_timezone=fallback_timezone, now=now)
            )
        except Exception:
            log.exception("commitment.check_failed", user_id=user_id)
    log.info("commitment.daily_check", users=len(user_ids), alerts=count)
    return count


def install(
    events: EventBus,
    session_factory: sessionmaker[Session],
    *,
    fallback_timezone: str,
    submit: Submit | None = None,
) -> None:
    """Check a user's commitments after each of their syncs and after a webhook brings
    new transactions; ``submit`` decides where (a thread pool in the web app, inline
    in the worker)."""

    after_user_changes(
        events,
        lambda user_id: check_after_sync(
            session_factory, user_id, fallback_timezone=fallback_timezone
        ),
        name="commitment.check",
        submit=submit,
    )
