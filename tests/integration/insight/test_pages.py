"""The /spending and /budgets pages: charts with text alternatives, the month selector,
merchant drill-down, budget forms, and isolation of page actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Budget
from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

NOW = datetime(2026, 4, 15, 12, tzinfo=UTC)


def _household(db: Session, user_id: str) -> Household:
    h = Household.of(db, user_id)
    h.add(datetime(2026, 4, 2, 9, tzinfo=UTC), -4_000, merchant="Tesco")
    h.add(
        datetime(2026, 4, 3, 9, tzinfo=UTC),
        -2_500,
        account="amex",
        category="eating_out",
        merchant="Dishoom",
    )
    h.add(datetime(2026, 4, 4, 9, tzinfo=UTC), -1_000, merchant="Tesco", status="pending")
    h.add(datetime(2026, 3, 4, 9, tzinfo=UTC), -6_000, merchant="Tesco")
    h.add(
        datetime(2026, 4, 5, 9, tzinfo=UTC),
        -50_000,
        classification="internal_transfer",
        merchant=None,
    )
    return h


def test_pages_need_a_login(client: TestClient) -> None:
    for path in ("/spending", "/budgets"):
        response = client.get(path, follow_redirects=False, headers={"accept": "text/html"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


def test_spending_page_draws_charts_with_text_alternatives(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    with clock.using(clock.FixedClock(NOW)):
        page = alice.client.get("/spending")
    assert page.status_code == 200
    html = page.text
    assert 'aria-current="page">Spending<' in html
    assert '<h2 id="summary-heading">April 2026</h2>' in html
    assert 'data-testid="month-total">£75.00<' in html
    assert 'data-testid="card-total">£25.00<' in html
    assert 'data-testid="cash-total">£50.00<' in html
    # The 12-month chart: one bar per month, titled and described, April highlighted.
    assert html.count('class="chart-column') == 12
    assert html.count('class="chart-column is-selected"') == 1
    assert '<title id="year-chart-title">Spending per month, May 2025 to Apr 2026</title>' in html
    assert 'role="img"' in html and '<desc id="category-chart-desc">' in html
    assert "<summary>Show as a table</summary>" in html
    # Categories, largest first, with the same figures in a table.
    assert html.index(">Groceries<") < html.index(">Eating out<")
    # Merchants: a row each, with a drill-down link; the transfer is nowhere.
    assert "Dishoom" in html and "£500.00" not in html
    assert "/spending?month=2026-04&amp;merchant=tesco#merchant-detail" in html
    # No script or stylesheet from elsewhere.
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html)


def test_month_selector_and_merchant_drill_down(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    with clock.using(clock.FixedClock(NOW)):
        march = alice.client.get("/spending", params={"month": "2026-03"}).text
        drill = alice.client.get("/spending", params={"month": "2026-04", "merchant": "tesco"}).text
        nonsense = alice.client.get("/spending", params={"month": "2031-13"})
    assert '<h2 id="summary-heading">March 2026</h2>' in march
    assert '<option value="2026-03" selected>' in march
    assert 'data-testid="month-total">£60.00<' in march
    assert 'id="merchant-detail"' in drill
    section = drill[drill.index('id="merchant-detail"') :]
    assert section.count("<tr>") == 3  # the header and Tesco's two April payments
    assert "Pending" in section
    assert nonsense.status_code == 200  # falls back to this month
    assert '<h2 id="summary-heading">April 2026</h2>' in nonsense.text


def test_an_empty_spending_page_says_so(alice: SignedIn) -> None:
    page = alice.client.get("/spending")
    assert page.status_code == 200
    assert "No spending in" in page.text


def test_create_edit_and_delete_a_budget_through_the_pages(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    with clock.using(clock.FixedClock(NOW)):
        empty = alice.client.get("/budgets")
        assert "No budgets yet" in empty.text
        created = alice.client.post(
            "/budgets",
            data={"category": "groceries", "amount": "60", "period": "month", "pay_day": "25"},
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text
        budget = db.scalars(select(Budget)).one()
        assert (budget.amount, budget.period, budget.pay_day) == (6_000, "month", None)
        page = alice.client.get(created.headers["location"]).text
        assert "Budget created." in page
        assert 'role="progressbar"' in page
        assert 'aria-valuenow="83"' in page  # £50 of £60
        assert "£50.00</strong> spent of £60.00" in page
        edit = alice.client.get(f"/budgets/{budget.id}/edit")
        assert 'value="60"' in edit.text
        saved = alice.client.post(
            f"/budgets/{budget.id}/edit",
            data={
                "category": "groceries",
                "amount": "100.50",
                "period": "pay_period",
                "pay_day": "last_working_day",
                "rollover": "1",
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303
        db.refresh(budget)
        assert (budget.amount, budget.period, budget.pay_day, budget.rollover) == (
            10_050,
            "pay_period",
            "last_working_day",
            True,
        )
        assert "paid on the last working day" in alice.client.get("/budgets").text
        deleted = alice.client.post(f"/budgets/{budget.id}/delete", follow_redirects=False)
        assert deleted.status_code == 303
    assert db.scalars(select(Budget)).all() == []


def test_budget_form_errors_are_shown_and_nothing_is_saved(alice: SignedIn, db: Session) -> None:
    bad = alice.client.post("/budgets", data={"category": "", "amount": "lots", "period": "month"})
    assert bad.status_code == 400
    assert "Choose the category this budget caps." in bad.text
    assert "Write the amount in pounds" in bad.text
    assert 'aria-invalid="true"' in bad.text
    alice.client.post("/budgets", data={"category": "groceries", "amount": "10"})
    twice = alice.client.post("/budgets", data={"category": "groceries", "amount": "20"})
    assert twice.status_code == 400
    assert "already a budget for groceries" in twice.text
    assert len(db.scalars(select(Budget)).all()) == 1


def test_nobody_can_touch_anyone_elses_budget_pages(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    alice.client.post("/budgets", data={"category": "groceries", "amount": "10"})
    budget_id = db.scalars(select(Budget.id)).one()
    headers = {"accept": "text/html"}
    assert bob.client.get(f"/budgets/{budget_id}/edit", headers=headers).status_code == 404
    for path in (f"/budgets/{budget_id}/edit", f"/budgets/{budget_id}/delete"):
        response = bob.client.post(
            path, data={"category": "x", "amount": "1"}, follow_redirects=False
        )
        assert response.status_code == 404, path
    assert "Groceries" not in bob.client.get("/budgets").text.split("New budget")[0]
    assert db.scalars(select(Budget.amount)).one() == 1_000
