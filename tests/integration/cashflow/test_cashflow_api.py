"""Safe to spend, the forecast, commitments, planned items and card models over the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from potwise.db.models import Commitment
from potwise.services.cashflow import alignment, history
from tests.integration.cashflow.builders import LONDON, Household, today
from tests.integration.conftest import SignedIn


def _household(db: Session, user: SignedIn) -> Household:
    h = Household.of(db, user.user_id)
    h.year_of_history()
    history.forget(user.user_id)
    return h


def _by_payee(user: SignedIn) -> dict[str, dict[str, object]]:
    items = user.client.get("/api/v1/analytics/commitments").json()["items"]
    return {c["payee"]: c for c in items}


def test_safe_to_spend_breakdown_sums_exactly_and_names_payday(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice)
    body = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    assert body["currency"] == "GBP"
    assert sum(line["amount"] for line in body["breakdown"]) == body["amount"]
    assert body["breakdown"][0] == {
        "label": "Current",
        "amount": 250_000,
        "kind": "cash",
        "date": None,
    }
    assert body["payday_source"] == "detected"
    assert body["next_payday"] > today().isoformat()
    assert body["days_to_payday"] >= 1
    assert body["per_day"] * body["days_to_payday"] + body["per_day_remainder"] == body["amount"]
    assert body["overdraft_cushion"] == 50_000
    assert body["cards_owed"] == 42_000
    # Savings are not cash; the overdraft is never added.
    assert body["amount"] <= 250_000


def test_forecast_starts_from_todays_balance_and_checks_its_horizon(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    body = alice.client.get("/api/v1/analytics/forecast?days=60").json()
    assert len(body["days"]) == 61
    first = body["days"][0]
    assert first["date"] == today().isoformat()
    assert first["balance"] == first["low"] == first["high"] == 250_000
    assert first["accounts"] == {h.accounts["Current"].id: 250_000}
    assert all(sum(d["accounts"].values()) == d["balance"] for d in body["days"])
    assert body["low_point"]["balance"] == min(d["balance"] for d in body["days"])
    assert all(d["low"] <= d["balance"] <= d["high"] for d in body["days"])
    labels = {i["label"] for d in body["days"] for i in d["items"]}
    assert any("NETFLIX" in label or "Netflix" in label for label in labels), labels
    for bad in ("0", "367", "-3", "soon"):
        response = alice.client.get(f"/api/v1/analytics/forecast?days={bad}")
        assert response.status_code == 422, bad
        assert "error" in response.json()
    assert len(alice.client.get("/api/v1/analytics/forecast?days=366").json()["days"]) == 367


def test_a_forecast_needs_a_current_account(alice: SignedIn) -> None:
    response = alice.client.get("/api/v1/analytics/forecast?days=30")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"
    empty = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    assert empty["amount"] == 0 and empty["payday_source"] == "none"


def test_dismissed_commitment_stays_dismissed_across_detection(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    found = _by_payee(alice)
    assert {"acme", "landlord", "netflix"} <= set(found)
    netflix = found["netflix"]
    assert netflix["direction"] == "out" and netflix["amount"] == 1_599
    assert netflix["status"] == "detected" and netflix["evidence"]
    assert found["acme"]["direction"] == "in"
    dismissed = alice.client.patch(
        f"/api/v1/analytics/commitments/{netflix['id']}", json={"status": "dismissed"}
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed"
    # New history: detection runs again and still finds the series.
    h.add(today() - timedelta(days=400), -1_599, "Netflix")
    db.commit()
    again = _by_payee(alice)["netflix"]
    assert again["id"] == netflix["id"] and again["status"] == "dismissed"
    body = alice.client.get("/api/v1/analytics/forecast?days=90").json()
    refs = {i["label"] for d in body["days"] for i in d["items"]}
    assert not any("NETFLIX" in label for label in refs)


def test_confirm_edit_and_manual_commitments(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    landlord = _by_payee(alice)["landlord"]
    edited = alice.client.patch(
        "/api/v1/analytics/commitments", json={"id": landlord["id"], "amount": 99_000}
    ).json()
    assert edited["status"] == "confirmed" and edited["amount"] == 99_000
    assert _by_payee(alice)["landlord"]["amount"] == 99_000
    created = alice.client.post(
        "/api/v1/analytics/commitments",
        json={
            "payee": "Gym",
            "amount": 3_000,
            "direction": "out",
            "cadence": "monthly",
            "next_date": (today() + timedelta(days=3)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    gym = created.json()
    assert gym["status"] == "confirmed" and gym["manual"] is True
    assert gym["next_date"] == (today() + timedelta(days=3)).isoformat()
    bad = alice.client.post(
        "/api/v1/analytics/commitments",
        json={"payee": "X", "amount": -5, "next_date": "2030-01-01"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_input"
    bad_status = alice.client.patch(
        f"/api/v1/analytics/commitments/{gym['id']}", json={"status": "maybe"}
    )
    assert bad_status.status_code == 400


def test_planned_item_lowers_the_forecast_from_its_day(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    before = alice.client.get("/api/v1/analytics/forecast?days=30").json()["days"]
    on = today() + timedelta(days=12)
    created = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "New boiler", "amount": -180_000, "date": on.isoformat()},
    )
    assert created.status_code == 201, created.text
    after = alice.client.get("/api/v1/analytics/forecast?days=30").json()["days"]
    for b, a in zip(before, after, strict=True):
        expected = b["balance"] - (180_000 if a["date"] >= on.isoformat() else 0)
        assert a["balance"] == expected, a["date"]
    assert any(i["label"] == "New boiler" for i in after[12]["items"])
    item_id = created.json()["id"]
    assert alice.client.delete(f"/api/v1/analytics/planned-items/{item_id}").status_code == 204
    assert alice.client.get("/api/v1/analytics/planned-items").json()["items"] == []


def test_instalment_plan_schedule_sums_to_its_total(alice: SignedIn, db: Session) -> None:
    _household(db, alice)
    created = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={
            "label": "Sofa",
            "amount": -100_000,
            "date": (today() + timedelta(days=5)).isoformat(),
            "months": 3,
            "annual_rate": "0",
        },
    ).json()
    assert [i["amount"] for i in created["instalments"]] == [33_334, 33_333, 33_333]
    assert created["total"] == -100_000
    stt = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    assert sum(line["amount"] for line in stt["breakdown"]) == stt["amount"]
    bad = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Sofa", "amount": -1, "date": "2030-01-01", "months": 0},
    )
    assert bad.status_code == 400


def test_card_models_and_pots_change_safe_to_spend(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice)
    card_id = h.accounts["Amex"].id
    [card] = alice.client.get("/api/v1/analytics/card-models").json()["items"]
    assert card["account_id"] == card_id and card["mode"] == "pay_in_full"
    assert card["owed"] == 42_000 and card["stored"] is False
    due_day = (today() + timedelta(days=1)).day
    put = alice.client.put(
        f"/api/v1/analytics/card-models/{card_id}",
        json={"mode": "fixed", "fixed_amount": 10_000, "due_day": due_day},
    )
    assert put.status_code == 200, put.text
    assert put.json()["mode"] == "fixed" and put.json()["stored"] is True
    body = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    card_lines = [line for line in body["breakdown"] if line["kind"] == "card_repayment"]
    assert card_lines and card_lines[0]["amount"] == -10_000
    assert sum(line["amount"] for line in body["breakdown"]) == body["amount"]

    pot = h.pot("Holiday", 30_000)
    settings = alice.client.put(
        "/api/v1/analytics/cash-flow-settings",
        json={
            "payday_day": 15,
            "included_pot_ids": [pot.id],
            "set_asides": [{"label": "Birthday", "amount": 5_000}],
        },
    )
    assert settings.status_code == 200, settings.text
    body = alice.client.get("/api/v1/analytics/safe-to-spend").json()
    kinds = {line["kind"]: line for line in body["breakdown"]}
    assert kinds["pot"]["amount"] == 30_000
    assert kinds["set_aside"] == {
        "label": "Birthday",
        "amount": -5_000,
        "kind": "set_aside",
        "date": None,
    }
    assert body["payday_source"] == "override"
    assert body["next_payday"].endswith(("-15", "-14", "-13", "-12"))
    assert sum(line["amount"] for line in body["breakdown"]) == body["amount"]
    bad = alice.client.put(f"/api/v1/analytics/card-models/{card_id}", json={"mode": "fixed"})
    assert bad.status_code == 400


def test_another_user_sees_nothing_and_gets_404(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    h = _household(db, alice)
    netflix = _by_payee(alice)["netflix"]
    item = alice.client.post(
        "/api/v1/analytics/planned-items",
        json={"label": "Trip", "amount": -5_000, "date": (today() + timedelta(days=2)).isoformat()},
    ).json()
    assert bob.client.get("/api/v1/analytics/commitments").json()["items"] == []
    assert bob.client.get("/api/v1/analytics/planned-items").json()["items"] == []
    assert bob.client.get("/api/v1/analytics/card-models").json()["items"] == []
    for method, url, body in (
        ("PATCH", f"/api/v1/analytics/commitments/{netflix['id']}", {"status": "dismissed"}),
        ("PATCH", "/api/v1/analytics/commitments", {"id": netflix["id"], "status": "dismissed"}),
        ("DELETE", f"/api/v1/analytics/planned-items/{item['id']}", None),
        ("PUT", f"/api/v1/analytics/card-models/{h.accounts['Amex'].id}", {"mode": "minimum"}),
    ):
        response = bob.client.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert _by_payee(alice)["netflix"]["status"] == "detected"
    assert len(alice.client.get("/api/v1/analytics/planned-items").json()["items"]) == 1


def test_a_decision_follows_its_series_when_detection_refits_it(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice)
    netflix = _by_payee(alice)["netflix"]
    alice.client.patch(
        f"/api/v1/analytics/commitments/{netflix['id']}", json={"status": "dismissed"}
    )
    # As if the dismissal was made when detection fitted the series to another day.
    row = db.get(Commitment, netflix["id"])
    assert row is not None
    current_key = row.key
    row.key = "out:netflix:monthly:9"
    db.commit()
    history.forget(alice.user_id)
    items = alice.client.get("/api/v1/analytics/commitments").json()["items"]
    netflixes = [c for c in items if c["payee"] == "netflix"]
    assert [(c["id"], c["status"]) for c in netflixes] == [(netflix["id"], "dismissed")]
    # Reading changed nothing; the next refresh (after a sync, a change) stores it so.
    alignment.refresh(db, alice.user_id, now=datetime.now(UTC), zone=LONDON)
    db.expire_all()
    assert db.get(Commitment, netflix["id"]).key == current_key  # type: ignore[union-attr]
