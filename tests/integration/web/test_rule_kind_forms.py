"""The forms of the sweep, salary sorter, top-up and savings goal over HTTP: the kind
picker, creating and changing each kind, a refused field shown beside it with what was
typed kept, and how each rule reads on the list, its page and the dashboard.

Data is written straight to the database; no bank is called."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Automation, Pot
from potwise.domain.errors import DomainError
from potwise.domain.rules import sweep
from potwise.domain.rules.wording import day, when
from potwise.services.automations import configs
from potwise.services.cashflow import outlook as cashflow
from potwise.services.cashflow import plans
from potwise.web.ui.rule_fields import place_refusal
from potwise.web.ui.rule_form_autosort import AutosortForm
from potwise.web.ui.rule_form_goal import GoalForm
from potwise.web.ui.rule_form_sweep import SweepForm
from potwise.web.ui.rule_form_topup import TopupForm
from tests.integration.conftest import SignedIn
from tests.integration.web.test_automation_pages import Household, _household, _only_rule

LATER = datetime.now(ZoneInfo("Europe/London")).date() + timedelta(days=400)


def _field_error(page: str, key: str) -> str:
    """The error shown beside the field `key` ("" when there is none)."""
    found = re.search(rf'<p class="field-error" id="{key}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


def _sweep_form(h: Household, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "sweep",
        "name": "Evening sweep",
        "pot_id": h.other_pot.id,
        "threshold": "£1,000",
        "keep_for_bills": "1",
        "schedule": "weekly",
        "weekday": "4",
        "time": "20:30",
        "round_to": "1000",
        "max_transfer": "500",
        "max_per_day": "1,500.50",
        "enabled": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _autosort_form(h: Household, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "autosort",
        "name": "Payday",
        "income": "payer",
        "payer": "ACME LTD",
        "min_amount": "1,000",
        "step_pot_0": h.pot.id,
        "step_kind_0": "fixed",
        "step_value_0": "500",
        "step_pot_1": "",
        "step_kind_1": "fixed",
        "step_value_1": "",
        "step_pot_2": h.other_pot.id,
        "step_kind_2": "percent",
        "step_value_2": "12.5%",
        "max_transfer": "5,000",
        "max_per_day": "10,000",
        "enabled": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _topup_form(h: Household, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "topup",
        "name": "Keep me afloat",
        "pot_id": h.other_pot.id,
        "floor": "200",
        "target": "500",
        "pot_floor": "50",
        "cooldown_hours": "12",
        "max_transfer": "300",
        "max_per_day": "600",
        "enabled": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _goal_form(h: Household, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "goal",
        "name": "Japan trip",
        "pot_id": h.other_pot.id,
        "target_amount": "1,200",
        "target_date": LATER.isoformat(),
        "contribute_on_payday": "1",
        "max_transfer": "400",
        "max_per_day": "400",
        "enabled": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _create(who: SignedIn, data: dict[str, Any]) -> Any:
    return who.client.post("/automations/new", data=data, follow_redirects=False)


# --- choosing a kind -----------------------------------------------------------------


def test_new_rule_starts_with_the_kind_to_choose(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    page = alice.client.get("/automations/new").text
    for kind, name in (
        ("card_pot", "Credit-card pot"),
        ("sweep", "Sweep"),
        ("autosort", "Salary sorter"),
        ("topup", "Auto top-up"),
        ("goal", "Savings goal"),
    ):
        assert f'<a href="/automations/new?kind={kind}">{name}</a>' in page
    assert "Choose what the rule does." in alice.client.get("/automations/new?kind=nope").text
    refused = _create(alice, {"kind": "nope", "name": "x"})
    assert refused.status_code == 400
    assert "Choose what kind of rule to make." in refused.text


@pytest.mark.parametrize(
    ("kind", "heading", "field"),
    [
        ("sweep", "New sweep rule", 'name="threshold"'),
        ("autosort", "New salary sorter rule", 'name="step_value_5"'),
        ("topup", "New auto top-up rule", 'name="pot_floor"'),
        ("goal", "New savings goal", 'name="target_date"'),
    ],
    ids=["sweep", "autosort", "topup", "goal"],
)
def test_each_kind_has_its_form_offering_only_own_live_pots(
    alice: SignedIn, bob: SignedIn, db: Session, kind: str, heading: str, field: str
) -> None:
    h = _household(db, alice.user_id)
    theirs = _household(db, bob.user_id, suffix=" (Bob)")
    page = alice.client.get(f"/automations/new?kind={kind}").text
    assert f"<h1>{heading}</h1>" in page
    assert field in page
    assert f'<input type="hidden" name="kind" value="{kind}">' in page
    assert f'value="{h.pot.id}"' in page and f'value="{h.other_pot.id}"' in page
    assert h.deleted_pot.id not in page
    assert theirs.pot.id not in page and "(Bob)" not in page


# --- sweep ---------------------------------------------------------------------------


def test_sweep_created_in_pounds_and_summarised_on_the_list(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _sweep_form(h))
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/automations?flash=sweep_created#rule-")
    rule = _only_rule(db, alice.user_id)
    assert (rule.kind, rule.name, rule.enabled) == ("sweep", "Evening sweep", True)
    assert rule.config == {
        "pot_id": h.other_pot.id,
        "threshold": 100_000,
        "keep_for_bills": True,
        "schedule": "weekly",
        "weekday": 4,
        "time": "20:30",
        "round_to": 1000,
        "max_transfer": 50_000,
        "max_per_day": 150_050,
    }
    page = alice.client.get(response.headers["location"]).text
    assert "Rule created. It sweeps at the next time you chose." in page
    assert (
        "Sweeps above £1,000 into Holiday every Friday at 20:30, "
        "keeping back the bills due before payday"
    ) in page
    assert re.search(r"<dt>Next</dt><dd>Sweeps at 20:30 (today|on Fri \d+ \w+)</dd>", page)
    assert ">Sweep<" in page  # the kind in words


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"threshold": "12.345"}, "threshold", "amount to keep is not an amount in pounds"),
        ({"threshold": ""}, "threshold", "Enter the amount to keep in pounds"),
        ({"weekday": ""}, "weekday", "Choose the day of the week to sweep on."),
        ({"time": "25:00"}, "time", "Enter a time of day like 20:00"),
        ({"schedule": "hourly"}, "schedule", "Choose when the rule sweeps."),
        ({"round_to": "0"}, "round_to", "Choose how to round what is swept."),
        ({"max_per_day": "0"}, "max_per_day", "limit per day must be more than £0"),
        ({"pot_id": ""}, "pot_id", "Choose the pot to sweep into."),
    ],
    ids=["third-decimal", "empty", "no-weekday", "bad-time", "schedule", "rounding", "zero", "pot"],
)
def test_sweep_refusals_show_beside_the_field_and_save_nothing(
    alice: SignedIn, db: Session, overrides: dict[str, Any], key: str, message: str
) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _sweep_form(h, name="Typed name", **overrides))
    assert response.status_code == 400
    assert message in _field_error(response.text, key)
    assert 'role="alert"' in response.text and "nothing was saved" in response.text
    assert 'value="Typed name"' in response.text
    for field, typed in overrides.items():
        if field in {"threshold", "max_per_day", "time"}:
            assert f'value="{typed}"' in response.text
    assert db.scalars(select(Automation)).all() == []


def test_sweep_edit_shows_the_rule_and_a_daily_schedule_drops_the_weekday(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    _create(alice, _sweep_form(h))
    rule = _only_rule(db, alice.user_id)
    page = alice.client.get(f"/automations/{rule.id}/edit").text
    assert 'value="1,000.00"' in page and 'value="20:30"' in page
    assert '<option value="4" selected>Friday</option>' in page
    assert re.search(r'name="schedule" value="weekly" checked', page)
    assert re.search(r'name="round_to" value="1000" checked', page)

    edited = _sweep_form(h, schedule="daily", weekday="", threshold="750.25", keep_for_bills=None)
    response = alice.client.post(
        f"/automations/{rule.id}/edit", data=edited, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    saved = _only_rule(db, alice.user_id)
    assert saved.config["schedule"] == "daily"
    assert saved.config["weekday"] is None
    assert saved.config["threshold"] == 75_025
    assert saved.config["keep_for_bills"] is False
    assert "Sweeps above £750.25 into Holiday every day at 20:30</p>" in (
        alice.client.get("/automations").text
    )


def test_sweep_before_payday_waits_to_know_the_payday(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    _create(alice, _sweep_form(h, schedule="before_payday", weekday=""))
    page = alice.client.get("/automations").text
    assert "the day before payday at 20:30" in page
    assert "The day before your next payday, once potwise knows it" in page


# --- salary sorter -------------------------------------------------------------------


def test_autosort_created_from_its_rows_in_order_skipping_empty_ones(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _autosort_form(h))
    assert response.status_code == 303, response.text
    rule = _only_rule(db, alice.user_id)
    assert rule.config == {
        "income": "payer",
        "payer": "ACME LTD",
        "min_amount": 100_000,
        "steps": [
            {"pot_id": h.pot.id, "kind": "fixed", "amount": 50_000, "percent": None},
            {"pot_id": h.other_pot.id, "kind": "percent", "amount": None, "percent": "12.5"},
        ],
        "max_transfer": 500_000,
        "max_per_day": 1_000_000,
    }
    page = alice.client.get("/automations").text
    assert (
        "Sorts pay from ACME LTD of at least £1,000: £500 to Card bills, 12.5% to Holiday"
    ) in page
    assert "When pay from ACME LTD arrives" in page


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"step_value_0": "12.345"}, "step_value_0", "amount of step 1 is not an amount"),
        ({"step_value_2": "120"}, "step_value_2", "percentage above 0 and up to 100"),
        ({"step_pot_2": ""}, "step_pot_2", "Choose the pot for step 3."),
        ({"step_pot_2": "", "step_value_2": ""}, "", ""),  # an empty row is skipped
        (
            {"step_pot_2": "", "step_value_2": "", "step_value_0": ""},
            "step_value_0",
            "Enter the amount of step 1",
        ),
        ({"step_kind_0": "rest", "step_value_0": ""}, "step_kind_0", "only be the last step"),
        ({"step_kind_0": "bills"}, "step_value_0", "leave this empty"),
        ({"step_pot_2": "POT0"}, "step_pot_2", "already in step 1"),
        ({"payer": ""}, "payer", "Enter the payer's name"),
        ({"min_amount": "1.001"}, "min_amount", "not an amount in pounds"),
    ],
    ids=[
        "third-decimal",
        "percent-over",
        "no-pot",
        "empty-row",
        "no-amount",
        "rest-first",
        "bills-amount",
        "pot-twice",
        "no-payer",
        "min-amount",
    ],
)
def test_autosort_refusals_show_on_their_row(
    alice: SignedIn, db: Session, overrides: dict[str, Any], key: str, message: str
) -> None:
    h = _household(db, alice.user_id)
    overrides = {k: h.pot.id if v == "POT0" else v for k, v in overrides.items()}
    response = _create(alice, _autosort_form(h, **overrides))
    if not key:
        assert response.status_code == 303, response.text
        assert len(_only_rule(db, alice.user_id).config["steps"]) == 1
        return
    assert response.status_code == 400
    assert message in _field_error(response.text, key).replace("&#39;", "'")
    assert re.search(rf'aria-describedby="[^"]*{key}-error" aria-invalid="true"', response.text)
    if "step_value_0" in overrides:
        assert f'value="{overrides["step_value_0"]}"' in response.text
    assert db.scalars(select(Automation)).all() == []


def test_autosort_salary_with_no_steps_is_refused_then_edited(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    empty = _autosort_form(
        h, income="salary", step_pot_0="", step_value_0="", step_pot_2="", step_value_2=""
    )
    refused = _create(alice, empty)
    assert refused.status_code == 400
    assert "Add at least one step" in _field_error(refused.text, "steps")

    _create(alice, _autosort_form(h, income="salary"))
    rule = _only_rule(db, alice.user_id)
    assert (rule.config["income"], rule.config["payer"], rule.config["min_amount"]) == (
        "salary",
        None,
        0,
    )
    page = alice.client.get(f"/automations/{rule.id}/edit").text
    assert 'name="step_value_0" type="text" inputmode="decimal" value="500.00"' in page
    assert (
        'name="step_value_1" type="text" inputmode="decimal" value="12.5"' in page
    )  # rows close up
    edited = _autosort_form(
        h, income="salary", step_kind_2="rest", step_value_2="", step_value_0="650"
    )
    response = alice.client.post(
        f"/automations/{rule.id}/edit", data=edited, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    page = alice.client.get("/automations").text
    assert "Sorts your salary: £650 to Card bills, the rest to Holiday" in page
    assert "When your salary arrives" in page


# --- top-up --------------------------------------------------------------------------


def test_topup_created_edited_and_summarised(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _topup_form(h))
    assert response.status_code == 303, response.text
    rule = _only_rule(db, alice.user_id)
    assert rule.config == {
        "pot_id": h.other_pot.id,
        "floor": 20_000,
        "target": 50_000,
        "pot_floor": 5_000,
        "cooldown_hours": 12,
        "max_transfer": 30_000,
        "max_per_day": 60_000,
    }
    page = alice.client.get("/automations").text
    assert (
        "Tops the current account up to £500 from Holiday when it falls below £200, "
        "leaving at least £50 in the pot"
    ) in page
    assert "When the current account falls below £200" in page

    page = alice.client.get(f"/automations/{rule.id}/edit").text
    assert 'value="200.00"' in page and 'value="500.00"' in page and 'value="12"' in page
    edited = _topup_form(h, target="650.40", pot_floor="0")
    response = alice.client.post(
        f"/automations/{rule.id}/edit", data=edited, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    saved = _only_rule(db, alice.user_id)
    assert (saved.config["target"], saved.config["pot_floor"]) == (65_040, 0)


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"floor": "12.345"}, "floor", "floor is not an amount in pounds"),
        ({"target": "100"}, "target", "The target must be at least the floor."),
        ({"pot_floor": "-1"}, "pot_floor", "must be £0 or more"),
        ({"cooldown_hours": "100"}, "cooldown_hours", "whole number of hours from 0 to 72"),
    ],
    ids=["third-decimal", "target-below-floor", "negative", "cooldown"],
)
def test_topup_refusals_show_beside_the_field(
    alice: SignedIn, db: Session, overrides: dict[str, Any], key: str, message: str
) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _topup_form(h, **overrides))
    assert response.status_code == 400
    assert message in _field_error(response.text, key)
    (field, typed), *_ = overrides.items()
    assert f'id="{field}" name="{field}" type="text" inputmode' in response.text
    assert f'value="{typed}"' in response.text
    assert db.scalars(select(Automation)).all() == []


def test_a_topup_that_would_fight_a_sweep_is_refused_naming_it(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    assert _create(alice, _sweep_form(h, threshold="300")).status_code == 303
    response = _create(alice, _topup_form(h, pot_id=h.pot.id))
    assert response.status_code == 400
    assert "“Evening sweep” sweeps the current account down to £300.00" in response.text
    assert 'value="Keep me afloat"' in response.text
    assert len(db.scalars(select(Automation)).all()) == 1


# --- savings goal --------------------------------------------------------------------


def test_goal_created_shown_on_the_list_and_the_dashboard(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _goal_form(h))
    assert response.status_code == 303, response.text
    assert "flash=goal_created" in response.headers["location"]
    rule = _only_rule(db, alice.user_id)
    assert rule.config == {
        "pot_id": h.other_pot.id,
        "target_amount": 120_000,
        "target_date": LATER.isoformat(),
        "contribute_on_payday": True,
        "max_transfer": 40_000,
        "max_per_day": 40_000,
    }
    by = f"{LATER.day} {LATER:%b %Y}"
    listing = alice.client.get("/automations").text
    assert f"Saves £1,200 in Holiday by {by}, adding the monthly share on payday" in listing
    assert "On payday, once potwise knows it" in listing
    dashboard = alice.client.get("/").text
    assert "Savings goals" in dashboard
    assert (
        '<progress max="10000" value="1000" aria-label="Japan trip: 10% of the goal saved"'
    ) in dashboard
    assert "<strong>£120.00</strong> saved of £1,200.00" in dashboard
    assert f'href="/automations/{rule.id}">Japan trip</a>' in dashboard
    assert "Needs a month" in dashboard and f">{by}</time>" in dashboard


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"target_amount": "12.345"}, "target_amount", "target is not an amount in pounds"),
        ({"target_date": "someday"}, "target_date", "Enter the date to reach the goal by"),
        ({"target_date": "2001-01-01"}, "target_date", "Choose a date after today."),
        ({"use_pot_goal": "1"}, "target_amount", "has no goal in the Monzo app"),
    ],
    ids=["third-decimal", "bad-date", "past-date", "pot-without-goal"],
)
def test_goal_refusals_show_beside_the_field(
    alice: SignedIn, db: Session, overrides: dict[str, Any], key: str, message: str
) -> None:
    h = _household(db, alice.user_id)
    response = _create(alice, _goal_form(h, **overrides))
    assert response.status_code == 400
    assert message in _field_error(response.text, key)
    if key == "target_amount" and "use_pot_goal" not in overrides:
        assert 'value="12.345"' in response.text
    assert db.scalars(select(Automation)).all() == []


def test_goal_offers_the_pots_own_goal_and_edits(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    db.execute(Pot.__table__.update().where(Pot.id == h.other_pot.id).values(goal=2_500_00))
    db.commit()
    page = alice.client.get("/automations/new?kind=goal").text
    assert "Holiday &mdash; £120.00, goal £2,500.00" in page
    assert "Goals set in the Monzo app: Holiday (£2,500.00)" in page
    response = _create(alice, _goal_form(h, target_amount="", use_pot_goal="1"))
    assert response.status_code == 303, response.text
    rule = _only_rule(db, alice.user_id)
    assert rule.config["target_amount"] == 2_500_00

    page = alice.client.get(f"/automations/{rule.id}/edit").text
    assert "Your pot\u2019s goal in the Monzo app: £2,500.00 — use it" in page
    assert 'value="2,500.00"' in page and f'value="{LATER.isoformat()}"' in page
    edited = _goal_form(h, target_amount="3,000", contribute_on_payday=None)
    response = alice.client.post(
        f"/automations/{rule.id}/edit", data=edited, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    saved = _only_rule(db, alice.user_id)
    assert saved.config["target_amount"] == 3_000_00
    assert saved.config["contribute_on_payday"] is False
    listing = alice.client.get("/automations").text
    assert "Tracks Holiday toward £3,000 by" in listing
    assert "Tracks your progress; moves nothing" in listing


# --- every kind's page ---------------------------------------------------------------


def test_each_kinds_page_has_its_summary_facts_and_preview(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    for data in (_sweep_form(h), _goal_form(h, pot_id=h.pot.id)):
        assert _create(alice, data).status_code == 303
    for rule in db.scalars(select(Automation).where(Automation.user_id == alice.user_id)):
        page = alice.client.get(f"/automations/{rule.id}").text
        assert "No runs yet" in page
        assert f'action="/automations/{rule.id}/preview"' in page
        assert f'href="/automations/{rule.id}/edit"' in page
        summary = "Sweeps above £1,000" if rule.kind == "sweep" else "Saves £1,200 in Card bills"
        assert f'<p class="rule-summary">{summary}' in page
    listing = alice.client.get("/automations").text
    assert listing.count("Not run yet. It runs as shown under") == 2
    assert "It runs after the next sync of your cards." not in listing


def test_bob_cannot_use_alices_pot_in_any_kind(alice: SignedIn, bob: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    _household(db, bob.user_id, suffix=" (Bob)")
    for data in (_sweep_form(h), _topup_form(h), _goal_form(h)):
        response = _create(bob, data)
        assert response.status_code == 400
        assert _field_error(response.text, "pot_id") == "Choose one of your pots."
    response = _create(bob, _autosort_form(h))
    assert _field_error(response.text, "step_pot_0") == "Choose one of your pots."
    assert db.scalars(select(Automation)).all() == []


# --- the service's refusals, placed ----------------------------------------------------


def _refusal(kind: str, config: dict[str, Any]) -> str:
    with pytest.raises(DomainError) as refused:
        configs.parse(kind, config)
    return refused.value.message


_STEPS = [{"pot_id": "a", "kind": "fixed", "amount": 100}, {"pot_id": "b", "kind": "rest"}]


@pytest.mark.parametrize(
    ("form", "message", "placed"),
    [
        (
            SweepForm(),
            _refusal("sweep", {"pot_id": "p", "threshold": "12.345"}),
            ("threshold", "'12.345' is not an amount in pounds and pence"),
        ),
        (
            TopupForm(),
            _refusal("topup", {"pot_id": "p", "floor": 500, "target": 100}),
            ("target", "Target must be at least the floor"),
        ),
        (
            AutosortForm(rows_used=[0, 2]),
            _refusal("autosort", {"steps": [_STEPS[0], {"pot_id": "b", "kind": "fixed"}]}),
            ("step_value_2", "A fixed step needs an amount above zero"),
        ),
        (
            AutosortForm(rows_used=[0, 3]),
            _refusal("autosort", {"steps": [_STEPS[0], {**_STEPS[1], "pot_id": "a"}]}),
            ("steps", "Each pot may appear in one step only"),
        ),
        (
            AutosortForm(rows_used=[1, 4]),
            "config.steps.1.pot_id is not one of your pots.",
            ("step_pot_4", "This is not one of your pots."),
        ),
        (GoalForm(), "config.pot_id is not one of your pots.", ("pot_id", "This is not one")),
    ],
    ids=["amount", "across-fields", "step-row", "steps", "step-pot", "pot"],
)
def test_a_service_refusal_is_placed_beside_the_field_it_names(
    form: Any, message: str, placed: tuple[str, str]
) -> None:
    errors, above = place_refusal(message, form)
    assert above is None
    key, text = placed
    assert list(errors) == [key]
    assert errors[key].startswith(text)


def test_a_refusal_naming_no_field_shows_above_the_form() -> None:
    message = "The rule “Sweep” already moves money into or out of this pot."
    assert place_refusal(message, GoalForm()) == ({}, message)
    assert place_refusal("config.nothing_shown: odd", GoalForm()) == (
        {},
        "config.nothing_shown: odd",
    )


def test_a_known_payday_says_when_payday_rules_act(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    plans.set_preferences(db, alice.user_id, plans.Preferences(payday_last_working_day=True))
    _create(alice, _sweep_form(h, pot_id=h.pot.id, schedule="before_payday", weekday=""))
    _create(alice, _goal_form(h))
    zone = ZoneInfo("Europe/London")
    now = datetime.now(UTC)
    payday = cashflow.outlook(db, alice.user_id, now=now, zone=zone).next_payday
    page = alice.client.get("/automations").text
    assert f"<dt>Next</dt><dd>On payday, {day(payday)}</dd>" in page
    slot = sweep.next_slot(
        sweep.SweepConfig.from_dict(_sweep_form_config(db, alice.user_id)),
        now,
        zone.key,
        payday,
    )
    expected = (
        f"Sweeps at {when(slot, now, zone)}"
        if slot is not None
        else f"The day before the payday after {day(payday)}"
    )
    assert f"<dt>Next</dt><dd>{expected}</dd>" in page


def _sweep_form_config(db: Session, user_id: str) -> dict[str, Any]:
    db.expire_all()
    query = select(Automation).where(Automation.user_id == user_id, Automation.kind == "sweep")
    return dict(db.scalars(query).one().config)
