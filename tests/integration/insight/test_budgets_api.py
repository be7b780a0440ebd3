"""`/api/v1/budgets` on SQLite and PostgreSQL: create, change, delete, progress over
months and pay periods, rollover, validation, alerts once per period, isolation."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Budget, BudgetAlert, Notice
from potwise.services.events import SyncFinished, TransactionsChanged
from potwise.services.insight import budgets
from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

# A Wednesday in British Summer Time; paydays on the 25th: 25 April 2026 is a Saturday.
NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def _create(user: SignedIn, **body: Any) -> dict[str, Any]:
    response = user.client.post("/api/v1/budgets", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    return message


def test_a_monthly_budget_shows_its_progress(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    h.add(datetime(2026, 4, 2, 9, tzinfo=UTC), -12_000)
    h.add(datetime(2026, 4, 9, 9, tzinfo=UTC), -3_000, account="amex", status="pending")
    h.add(datetime(2026, 4, 10, 9, tzinfo=UTC), 1_000)  # a refund
    h.add(datetime(2026, 3, 31, 22, 59, tzinfo=UTC), -5_000)  # 23:59 on 31 March in London
    h.add(datetime(2026, 4, 3, 9, tzinfo=UTC), -9_999, category="eating_out")
    with clock.using(clock.FixedClock(NOW)):
        created = _create(alice, category="groceries", amount=20_000)
        assert created["period"] == "month"
        assert created["pay_day"] is None
        progress = created["progress"]
        assert progress == {
            "period_start": "2026-04-01",
            "period_end": "2026-04-30",
            "spent": 14_000,
            "rolled_over": 0,
            "available": 20_000,
            "remaining": 6_000,
            "percent": 70,
            "projected": 28_000,  # 14,000 in 15 of 30 days
            "days_left": 16,
            "status": "warning",  # on pace to overspend
        }
        listed = alice.client.get("/api/v1/budgets").json()
    assert [b["id"] for b in listed["items"]] == [created["id"]]
    assert listed["next_cursor"] is None


def test_a_pay_period_budget_runs_from_payday_to_payday(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    h.add(datetime(2026, 3, 26, 9, tzinfo=UTC), -4_000)  # before the March payday (27th)
    h.add(datetime(2026, 3, 27, 9, tzinfo=UTC), -2_000)
    h.add(datetime(2026, 4, 14, 9, tzinfo=UTC), -1_000)
    with clock.using(clock.FixedClock(NOW)):
        created = _create(
            alice, category="groceries", amount=50_000, period="pay_period", pay_day=25
        )
    assert created["pay_day"] == "25"
    assert created["pay_day_label"] == "the 25th"
    # 25 March 2026 is a Wednesday; 25 April a Saturday, so paid on Friday 24 April.
    assert created["progress"]["period_start"] == "2026-03-25"
    assert created["progress"]["period_end"] == "2026-04-23"
    assert created["progress"]["spent"] == 7_000
    with clock.using(clock.FixedClock(NOW)):
        last = alice.client.patch(
            f"/api/v1/budgets/{created['id']}", json={"pay_day": "last_working_day"}
        )
    assert last.status_code == 200, last.text
    assert last.json()["progress"]["period_start"] == "2026-03-31"
    assert last.json()["progress"]["spent"] == 1_000


def test_unspent_budget_rolls_over(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    h.add(datetime(2026, 2, 10, tzinfo=UTC), -8_000)  # February: 2,000 unspent
    h.add(datetime(2026, 3, 10, tzinfo=UTC), -7_000)  # March: 3,000 + 2,000 unspent
    h.add(datetime(2026, 4, 10, tzinfo=UTC), -1_000)
    with clock.using(clock.FixedClock(NOW)):
        created = _create(alice, category="groceries", amount=10_000, rollover=True)
        assert created["progress"]["rolled_over"] == 0  # created this month: nothing before
        db.execute(
            update(Budget)
            .where(Budget.id == created["id"])
            .values(created_at=datetime(2026, 2, 1, 9, tzinfo=UTC))
        )
        db.commit()
        progress = alice.client.get(f"/api/v1/budgets/{created['id']}").json()["progress"]
    assert progress["rolled_over"] == 5_000
    assert progress["available"] == 15_000
    assert progress["remaining"] == 14_000


def test_budgets_are_changed_and_deleted(alice: SignedIn) -> None:
    created = _create(alice, category="groceries", amount=20_000)
    url = f"/api/v1/budgets/{created['id']}"
    changed = alice.client.patch(url, json={"amount": 25_000, "rollover": True})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["amount"], changed.json()["rollover"]) == (25_000, True)
    to_pay = alice.client.patch(url, json={"period": "pay_period", "pay_day": "28"})
    assert to_pay.json()["period"] == "pay_period"
    back = alice.client.patch(url, json={"period": "month"})
    assert (back.json()["period"], back.json()["pay_day"]) == ("month", None)
    assert alice.client.delete(url).status_code == 204
    _error(alice.client.get(url), 404, "not_found")
    _error(alice.client.delete(url), 404, "not_found")


def test_bad_budgets_are_refused_with_clear_errors(alice: SignedIn) -> None:
    post = alice.client.post
    assert "more than zero" in _error(
        post("/api/v1/budgets", json={"category": "groceries", "amount": 0}), 400, "invalid_input"
    )
    _error(
        post("/api/v1/budgets", json={"category": "groceries", "amount": 12.5}),
        422,
        "validation_error",
    )
    _error(
        post("/api/v1/budgets", json={"category": "groceries", "amount": "100"}),
        422,
        "validation_error",
    )
    _error(post("/api/v1/budgets", json={"category": "", "amount": 100}), 422, "validation_error")
    _error(post("/api/v1/budgets", json={"amount": 100}), 422, "validation_error")
    assert "period" in _error(
        post("/api/v1/budgets", json={"category": "a", "amount": 100, "period": "week"}),
        400,
        "invalid_input",
    )
    assert "payday" in _error(
        post("/api/v1/budgets", json={"category": "a", "amount": 100, "period": "pay_period"}),
        400,
        "invalid_input",
    )
    assert "1 to 31" in _error(
        post(
            "/api/v1/budgets",
            json={"category": "a", "amount": 100, "period": "pay_period", "pay_day": 32},
        ),
        400,
        "invalid_input",
    )
    _error(
        post("/api/v1/budgets", json={"category": "a", "amount": 100, "pay_day": "25"}),
        400,
        "invalid_input",
    )
    _error(
        post("/api/v1/budgets", json={"category": "a", "amount": 10_000_001}), 400, "invalid_input"
    )
    _create(alice, category="groceries", amount=100)
    assert "already" in _error(
        post("/api/v1/budgets", json={"category": "groceries", "amount": 200}), 409, "conflict"
    )
    other = _create(alice, category="transport", amount=100)
    _error(
        alice.client.patch(f"/api/v1/budgets/{other['id']}", json={"category": "groceries"}),
        409,
        "conflict",
    )


def test_budgets_are_private(alice: SignedIn, bob: SignedIn) -> None:
    created = _create(alice, category="groceries", amount=20_000)
    assert bob.client.get("/api/v1/budgets").json()["items"] == []
    for method in ("GET", "PATCH", "DELETE"):
        response = bob.client.request(
            method, f"/api/v1/budgets/{created['id']}", json={} if method == "PATCH" else None
        )
        _error(response, 404, "not_found")
    # Bob may have his own groceries budget.
    _create(bob, category="groceries", amount=100)
    assert alice.client.get(f"/api/v1/budgets/{created['id']}").json()["amount"] == 20_000


def _notices(db: Session, user_id: str) -> list[Notice]:
    db.expire_all()
    return list(
        db.scalars(
            select(Notice)
            .where(Notice.user_id == user_id, Notice.kind == "budget_alert")
            .order_by(Notice.created_at)
        )
    )


def test_alerts_go_out_once_at_80_and_once_at_100_percent(
    alice: SignedIn, app: FastAPI, db: Session
) -> None:
    h = Household.of(db, alice.user_id)
    factory = app.state.session_factory
    with clock.using(clock.FixedClock(NOW)):
        _create(alice, category="groceries", amount=10_000)
        h.add(datetime(2026, 4, 2, tzinfo=UTC), -7_000)
        assert budgets.check_user(factory, alice.user_id, fallback_timezone="Europe/London") == []
        h.add(datetime(2026, 4, 3, tzinfo=UTC), -1_500)
        first = budgets.check_user(factory, alice.user_id, fallback_timezone="Europe/London")
        assert len(first) == 1
        assert (
            budgets.check_user(factory, alice.user_id, fallback_timezone="Europe/London") == []
        )  # once
        h.add(datetime(2026, 4, 4, tzinfo=UTC), -2_000)
        budgets.check_user(factory, alice.user_id, fallback_timezone="Europe/London")
        budgets.check_user(factory, alice.user_id, fallback_timezone="Europe/London")
    notices = _notices(db, alice.user_id)
    assert [n.level for n in notices] == ["warning", "error"]
    assert notices[0].message == (
        "You have used 85% of your groceries budget: £85.00 of £100.00, £15.00 left until 30 Apr."
    )
    assert notices[1].message.startswith("Your groceries budget is used up: £105.00 spent")
    # A new month is a new period: alerts can go out again.
    with clock.using(clock.FixedClock(datetime(2026, 5, 20, 12, tzinfo=UTC))):
        h.add(datetime(2026, 5, 2, tzinfo=UTC), -9_000)
        assert (
            len(budgets.check_user(factory, alice.user_id, fallback_timezone="Europe/London")) == 1
        )
    thresholds = db.scalars(select(BudgetAlert.threshold).order_by(BudgetAlert.period_start))
    assert list(thresholds) == [80, 100, 80]


def test_a_jump_past_both_thresholds_sends_one_alert(
    alice: SignedIn, app: FastAPI, db: Session
) -> None:
    h = Household.of(db, alice.user_id)
    with clock.using(clock.FixedClock(NOW)):
        _create(alice, category="groceries", amount=10_000)
        h.add(datetime(2026, 4, 2, tzinfo=UTC), -15_000)
        sent = budgets.check_user(
            app.state.session_factory, alice.user_id, fallback_timezone="Europe/London"
        )
        assert len(sent) == 1 and sent[0].level == "error"
        assert (
            budgets.check_user(
                app.state.session_factory, alice.user_id, fallback_timezone="Europe/London"
            )
            == []
        )


def test_a_finished_sync_checks_the_users_budgets(
    alice: SignedIn, app: FastAPI, db: Session
) -> None:
    h = Household.of(db, alice.user_id)
    _create(alice, category="groceries", amount=10_000)
    h.add(datetime.now(UTC), -9_000)
    app.state.events.publish(SyncFinished(alice.user_id, h.connection_id, "manual"))
    deadline = time.monotonic() + 10
    while not _notices(db, alice.user_id):
        assert time.monotonic() < deadline, "no budget alert after the sync"
        time.sleep(0.05)
    assert len(_notices(db, alice.user_id)) == 1


def test_recategorising_checks_the_budgets(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    _create(alice, category="groceries", amount=10_000)
    row = h.add(datetime.now(UTC), -9_500, category="shopping", merchant="Argos")
    assert (
        budgets.check_after_recategorisation(db, alice.user_id, fallback_timezone="Europe/London")
        == []
    )
    response = alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "groceries"})
    assert response.status_code == 200, response.text
    # The alert is sent by the change itself, not at the next sync.
    [notice] = _notices(db, alice.user_id)
    assert notice.level == "warning" and "groceries" in notice.message.lower()
    # Handing the row back and choosing groceries again sends nothing new.
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": None})
    alice.client.patch(f"/api/v1/transactions/{row.id}", json={"category": "groceries"})
    assert len(_notices(db, alice.user_id)) == 1


def test_a_rule_that_moves_spending_checks_the_budgets(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    _create(alice, category="groceries", amount=10_000)
    h.add(datetime.now(UTC), -6_000, category="shopping", merchant="Aldi")
    h.add(datetime.now(UTC), -5_000, category="shopping", merchant="Aldi")
    response = alice.client.post(
        "/api/v1/categories/rules", json={"category": "groceries", "merchant_key": "Aldi"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["changed"] == 2
    [notice] = _notices(db, alice.user_id)
    assert notice.level == "error"  # 110 of 100 pounds


def test_a_webhooks_new_transaction_checks_the_budgets(
    alice: SignedIn, app: FastAPI, db: Session
) -> None:
    h = Household.of(db, alice.user_id)
    _create(alice, category="groceries", amount=10_000)
    row = h.add(datetime.now(UTC), -10_500)
    app.state.events.publish(
        TransactionsChanged(alice.user_id, h.connection_id, row.account_id, (row.id,), "webhook")
    )
    deadline = time.monotonic() + 10
    while not _notices(db, alice.user_id):
        assert time.monotonic() < deadline, "no budget alert after the webhook"
        time.sleep(0.05)
    assert [n.level for n in _notices(db, alice.user_id)] == ["error"]


def test_an_alert_recorded_by_another_worker_is_not_recorded_again(
    alice: SignedIn, db: Session
) -> None:
    created = _create(alice, category="groceries", amount=10_000)
    budget = db.get(Budget, created["id"])
    assert budget is not None
    start = datetime(2026, 4, 1, tzinfo=UTC).date()
    assert budgets._record(db, budget, start, 80)
    db.commit()
    # The unique constraint decides a race: the loser learns so, and its session lives on.
    assert not budgets._record(db, budget, start, 80)
    assert budgets._record(db, budget, start, 100)
    db.commit()
    assert sorted(db.scalars(select(BudgetAlert.threshold))) == [80, 100]


def test_no_pace_is_projected_from_one_purchase(alice: SignedIn, db: Session) -> None:
    h = Household.of(db, alice.user_id)
    h.add(datetime(2026, 12, 2, 9, tzinfo=UTC), -11_000)
    six_days_in = datetime(2026, 12, 6, 12, tzinfo=UTC)
    with clock.using(clock.FixedClock(six_days_in)):
        created = _create(alice, category="groceries", amount=30_000)
        page = alice.client.get("/budgets").text
    progress = created["progress"]
    assert progress["spent"] == 11_000 and progress["projected"] is None
    assert progress["status"] == "ok"
    pace = page[page.index('data-testid="pace"') :][:300]
    assert "Too early to say" in pace and "3 payments" in pace
    assert "On pace to go over" not in page
