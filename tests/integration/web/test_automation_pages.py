"""The automations pages: rules, their form, pause, history, transfers, the dashboard tiles.

Data is written straight to the database; no bank is called (the only run exercised
here is one the runner skips before reaching a bank: a rule whose pot was deleted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import (
    Account,
    Automation,
    AutomationRun,
    Connection,
    Notice,
    Pot,
    SystemFlag,
    Transfer,
)
from tests.integration.conftest import SignedIn

HTML = {"accept": "text/html"}


@dataclass
class Household:
    current: Account
    amex: Account
    barclaycard: Account
    pot: Pot
    other_pot: Pot
    deleted_pot: Pot


def _household(db: Session, user_id: str, suffix: str = "") -> Household:
    monzo = Connection(user_id=user_id, provider="monzo", display_name="Monzo")
    cards = Connection(
        user_id=user_id, provider="truelayer", provider_id="ob-amex", display_name="Amex"
    )
    db.add_all([monzo, cards])
    db.flush()
    current = Account(
        user_id=user_id,
        connection_id=monzo.id,
        external_id=f"acc{suffix}",
        provider="monzo",
        kind="current",
        name=f"Current account{suffix}",
        currency="GBP",
        balance=2_000_00,
        available=2_000_00,
    )
    amex = Account(
        user_id=user_id,
        connection_id=cards.id,
        external_id=f"amex{suffix}",
        provider="ob-amex",
        kind="credit_card",
        name=f"Amex Gold{suffix}",
        currency="GBP",
        balance=-518_99,
    )
    barclaycard = Account(
        user_id=user_id,
        connection_id=cards.id,
        external_id=f"bc{suffix}",
        provider="uk-ob-barclaycard",
        kind="credit_card",
        name=f"Barclaycard{suffix}",
        currency="GBP",
        balance=-20_00,
    )
    db.add_all([current, amex, barclaycard])
    db.flush()

    def pot(name: str, balance: int, *, deleted: bool = False) -> Pot:
        row = Pot(
            user_id=user_id,
            connection_id=monzo.id,
            account_id=current.id,
            external_id=f"pot_{name}{suffix}",
            name=f"{name}{suffix}",
            currency="GBP",
            balance=balance,
            deleted=deleted,
        )
        db.add(row)
        return row

    household = Household(
        current,
        amex,
        barclaycard,
        pot("Card bills", 500_00),
        pot("Holiday", 120_00),
        pot("Old pot", 0, deleted=True),
    )
    db.commit()
    return household


def _rule(db: Session, user_id: str, h: Household, **overrides: Any) -> Automation:
    values: dict[str, Any] = {
        "user_id": user_id,
        "kind": "card_pot",
        "name": "Amex pot",
        "config": {
            "pot_id": h.pot.id,
            "card_account_ids": [h.amex.id],
            "cooldown_hours": 3,
            "override_cooldown_on_spending": True,
            "max_transfer": 100_000,
            "max_per_day": 300_000,
        },
    }
    values.update(overrides)
    rule = Automation(**values)
    db.add(rule)
    db.commit()
    return rule


def _form(h: Household, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Card bills",
        "pot_id": h.pot.id,
        "card_account_ids": [h.amex.id, h.barclaycard.id],
        "cooldown_hours": "3",
        "override_cooldown_on_spending": "1",
        "max_transfer": "1,000.50",
        "max_per_day": "3000",
        "enabled": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _only_rule(db: Session, user_id: str) -> Automation:
    db.expire_all()
    return db.scalars(select(Automation).where(Automation.user_id == user_id)).one()


# --- signed out ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/automations", "/automations/new", "/transfers", "/automations/x", "/automations/x/edit"],
)
def test_signed_out_visitors_are_sent_to_sign_in(client: Any, path: str) -> None:
    response = client.get(path, headers=HTML, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


def test_signed_out_posts_move_nothing(client: Any) -> None:
    for path in ("/automations/pause", "/automations/new", "/automations/x/run"):
        response = client.post(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


# --- list, empty state, navigation ---------------------------------------------------


def test_empty_state_explains_the_rule_and_nav_has_automations(alice: SignedIn) -> None:
    page = alice.client.get("/automations")
    assert page.status_code == 200
    assert "No automations yet" in page.text
    assert "keeps one Monzo pot equal to what you owe" in page.text
    assert 'href="/automations/new"' in page.text
    nav = re.search(r'<nav class="main-nav".*?</nav>', page.text, re.S)
    assert nav is not None
    links = re.findall(r'href="([^"]+)"', nav.group(0))
    assert links == ["/", "/accounts", "/automations", "/spending", "/settings"]
    assert re.search(r'href="/automations"[^>]*aria-current="page"', nav.group(0))


def test_list_shows_each_rule_with_pot_cards_status_and_actions(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    page = alice.client.get("/automations").text
    assert "Amex pot" in page
    assert "Credit-card pot" in page
    assert "Card bills" in page and "Amex Gold" in page
    assert "£518.99" in page  # owed, from the card before any run
    assert "£500.00" in page  # in the pot
    assert "Not run yet" in page
    for action in ("preview", "run", "enabled"):
        assert f'action="/automations/{rule.id}/{action}"' in page
    assert f'href="/automations/{rule.id}/edit"' in page
    assert f'href="/automations/{rule.id}"' in page
    assert 'href="/transfers"' in page
    assert 'role="switch" aria-checked="true"' in page


def test_status_badges_for_cooldown_waiting_paused_and_error(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    until = datetime(2030, 6, 3, 16, 5, tzinfo=UTC)  # 17:05 in London (BST)
    rule = _rule(
        db,
        alice.user_id,
        h,
        status="cooldown",
        last_run_at=datetime.now(UTC),
        state={"version": 1, "recorded_owed": 600_00, "cooldown": {"until": until.isoformat()}},
    )
    page = alice.client.get("/automations").text
    assert "Cooling down until" in page and "17:05" in page
    # Owed is what the cards owe now, as on the dashboard, not what the last run recorded.
    assert "£600.00" not in page and "£518.99" in page

    for status, reason, expected in (
        ("waiting_funds", None, "Waiting for funds"),
        (
            "paused",
            "The pot was deleted in the Monzo app.",
            "The pot was deleted in the Monzo app.",
        ),
        ("error", "The bank said no.", "The bank said no."),
        ("ok", None, "In sync"),
    ):
        db.execute(
            Automation.__table__.update()
            .where(Automation.id == rule.id)
            .values(status=status, status_reason=reason)
        )
        db.commit()
        assert expected in alice.client.get("/automations").text, status


# --- new rule ------------------------------------------------------------------------


def test_new_form_offers_only_own_pots_and_cards_with_defaults(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    theirs = _household(db, bob.user_id, suffix=" (Bob)")
    page = alice.client.get("/automations/new?kind=card_pot").text
    assert f'value="{h.pot.id}"' in page and "£500.00" in page
    assert f'value="{h.other_pot.id}"' in page
    assert h.deleted_pot.id not in page  # deleted pots are not offered
    assert f'value="{h.amex.id}"' in page and "£518.99 owed" in page
    assert h.current.id not in page  # not a card
    assert theirs.pot.id not in page and theirs.amex.id not in page and "(Bob)" not in page
    # Defaults: override on, 3 hours, £1,000 and £3,000 shown in pounds.
    assert re.search(r'name="override_cooldown_on_spending" value="1" checked', page)
    assert 'name="cooldown_hours"' in page and 'value="3"' in page
    assert 'value="1,000.00"' in page and 'value="3,000.00"' in page


def test_create_converts_pounds_to_exact_pence(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    response = alice.client.post("/automations/new", data=_form(h), follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/automations?flash=rule_created")
    rule = _only_rule(db, alice.user_id)
    assert rule.name == "Card bills"
    assert rule.enabled is True
    assert rule.config == {
        "pot_id": h.pot.id,
        "card_account_ids": [h.amex.id, h.barclaycard.id],
        "cooldown_hours": 3,
        "override_cooldown_on_spending": True,
        "max_transfer": 100_050,
        "max_per_day": 300_000,
    }
    page = alice.client.get(response.headers["location"]).text
    assert "Rule created" in page


def test_create_with_boxes_unticked_turns_them_off(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    data = _form(h, override_cooldown_on_spending=None, enabled=None, max_transfer="£0.01")
    response = alice.client.post("/automations/new", data=data, follow_redirects=False)
    assert response.is_redirect
    rule = _only_rule(db, alice.user_id)
    assert rule.enabled is False
    # Created switched off: it is not promised to run after the next sync.
    page = alice.client.get(response.headers["location"]).text
    assert "next sync" not in page and "runs after every sync" not in page
    assert "switched off: it will not run, and moves nothing, until you switch it on" in page
    assert "It is switched off, and will not run until you switch it on." in page
    assert rule.config["override_cooldown_on_spending"] is False
    assert rule.config["max_transfer"] == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"card_account_ids": None}, "Choose at least one credit card."),
        ({"max_transfer": "12.345"}, "limit per transfer is not an amount in pounds"),
        ({"max_per_day": "abc"}, "limit per day is not an amount in pounds"),
        ({"max_transfer": "0"}, "must be more than £0"),
        ({"max_transfer": "-5"}, "must be more than £0"),
        ({"cooldown_hours": "73"}, "whole number of hours from 0 to 72"),
        ({"cooldown_hours": "1.5"}, "whole number of hours from 0 to 72"),
        ({"name": "   "}, "Give the rule a name."),
        ({"pot_id": ""}, "Choose the pot"),
    ],
)
def test_create_refusals_keep_what_was_typed(
    alice: SignedIn, db: Session, overrides: dict[str, Any], message: str
) -> None:
    h = _household(db, alice.user_id)
    data = _form(h, **{"name": "My typed name", **overrides})
    response = alice.client.post("/automations/new", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text
    assert 'class="field-error"' in response.text
    if "name" not in overrides:
        assert 'value="My typed name"' in response.text
    if "max_transfer" in overrides:
        assert f'value="{overrides["max_transfer"]}"' in response.text
    if "max_per_day" in overrides:
        assert f'value="{overrides["max_per_day"]}"' in response.text
    assert db.scalars(select(Automation)).all() == []


def test_create_refuses_another_users_pot_and_card(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    theirs = _household(db, bob.user_id, suffix=" (Bob)")
    response = alice.client.post("/automations/new", data=_form(h, pot_id=theirs.pot.id))
    assert response.status_code == 400
    assert "Choose one of your pots." in response.text
    response = alice.client.post(
        "/automations/new", data=_form(h, card_account_ids=[h.amex.id, theirs.amex.id])
    )
    assert response.status_code == 400
    assert "Choose only your own credit cards." in response.text
    response = alice.client.post("/automations/new", data=_form(h, pot_id=h.deleted_pot.id))
    assert response.status_code == 400
    assert "Choose one of your pots." in response.text
    assert db.scalars(select(Automation)).all() == []


def test_create_shows_the_services_refusal_next_to_the_form(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    _rule(db, alice.user_id, h, name="Existing rule")
    response = alice.client.post("/automations/new", data=_form(h, name="Second"))
    assert response.status_code == 400
    assert "already keeps this pot" in response.text
    assert 'value="Second"' in response.text


# --- edit, enable, delete ------------------------------------------------------------


def test_edit_shows_the_rule_in_pounds_and_saves_changes(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    page = alice.client.get(f"/automations/{rule.id}/edit").text
    assert 'value="Amex pot"' in page
    assert 'value="1,000.00"' in page and 'value="3,000.00"' in page
    assert re.search(rf'value="{h.amex.id}" checked', page)
    assert not re.search(rf'value="{h.barclaycard.id}" checked', page)
    assert f'<option value="{h.pot.id}" selected' in page
    assert "Delete rule" in page and "<details" in page

    data = _form(h, name="Amex & Barclaycard", max_per_day="2,500.01", cooldown_hours="0")
    response = alice.client.post(f"/automations/{rule.id}/edit", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    saved = _only_rule(db, alice.user_id)
    assert saved.name == "Amex & Barclaycard"
    assert saved.config["max_per_day"] == 250_001
    assert saved.config["cooldown_hours"] == 0
    assert saved.config["card_account_ids"] == [h.amex.id, h.barclaycard.id]


def test_edit_refusal_saves_nothing(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    response = alice.client.post(
        f"/automations/{rule.id}/edit", data=_form(h, name="Renamed", max_transfer="1.001")
    )
    assert response.status_code == 400
    assert 'value="1.001"' in response.text
    assert 'value="Renamed"' in response.text
    saved = _only_rule(db, alice.user_id)
    assert saved.name == "Amex pot"
    assert saved.config["max_transfer"] == 100_000


def test_switch_off_and_on(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    off = alice.client.post(f"/automations/{rule.id}/enabled", data={"enabled": "0"})
    assert off.status_code == 200
    assert "Rule switched off" in off.text
    assert 'aria-checked="false"' in off.text
    assert "Switched off" in off.text
    assert _only_rule(db, alice.user_id).enabled is False
    on = alice.client.post(f"/automations/{rule.id}/enabled", data={"enabled": "1"})
    assert "Rule switched on" in on.text
    assert _only_rule(db, alice.user_id).enabled is True


def test_delete_rule(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    response = alice.client.post(f"/automations/{rule.id}/delete")
    assert response.status_code == 200
    assert "Rule deleted" in response.text
    assert "No automations yet" in response.text
    db.expire_all()
    assert db.scalars(select(Automation)).all() == []


# --- pause ---------------------------------------------------------------------------


def test_pause_and_resume_show_a_banner(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    _rule(db, alice.user_id, h)
    page = alice.client.get("/automations").text
    assert "Pause all my automations" in page
    paused = alice.client.post("/automations/pause", data={"paused": "1"})
    assert "All your automations are paused." in paused.text
    assert "Resume my automations" in paused.text
    assert ">Paused<" in paused.text
    assert "Run now</button>" in paused.text and "disabled" in paused.text
    dashboard = alice.client.get("/").text
    assert "Automations paused." in dashboard
    resumed = alice.client.post("/automations/pause", data={"paused": "0"})
    assert "Automations resumed." in resumed.text
    assert "All your automations are paused." not in resumed.text


def test_operator_pause_is_shown(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    _rule(db, alice.user_id, h)
    db.add(SystemFlag(key="automations_paused", value="true"))
    db.commit()
    page = alice.client.get("/automations").text
    assert "The operator of this server has paused every automation." in page
    assert "All automations on this server are paused by its operator." in page


# --- preview and run without a bank --------------------------------------------------


def test_preview_and_run_of_a_rule_whose_pot_was_deleted_explain_the_skip(
    alice: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    db.execute(Pot.__table__.update().where(Pot.id == h.pot.id).values(deleted=True))
    db.commit()
    preview = alice.client.post(f"/automations/{rule.id}/preview")
    assert preview.status_code == 200
    assert "Preview: nothing was moved." in preview.text
    assert "was deleted in the Monzo app" in preview.text
    run = alice.client.post(f"/automations/{rule.id}/run", follow_redirects=False)
    assert run.status_code == 303
    assert run.headers["location"].startswith("/automations?run=")
    page = alice.client.get(run.headers["location"]).text
    assert "Ran just now." in page
    assert "Skipped" in page
    assert "was deleted in the Monzo app" in page
    db.expire_all()
    assert db.scalars(select(Transfer)).all() == []


# --- history and transfers -----------------------------------------------------------


def _history(db: Session, user_id: str, h: Household, rule: Automation) -> Transfer:
    now = datetime.now(UTC)
    moved = AutomationRun(
        user_id=user_id,
        automation_id=rule.id,
        trigger="webhook",
        started_at=now - timedelta(minutes=30),
        finished_at=now - timedelta(minutes=30),
        status="moved",
        reason="new_spending",
        explanation="Amex owes £518.99; pot holds £500.00; new spending of £18.99 → deposit £18.99",
        data_as_of=now - timedelta(hours=1),
    )
    nothing = AutomationRun(
        user_id=user_id,
        automation_id=rule.id,
        trigger="schedule",
        started_at=now - timedelta(minutes=5),
        finished_at=now - timedelta(minutes=5),
        status="nothing",
        reason="in_sync",
        explanation="Pot matches what is owed: nothing to move.",
    )
    db.add_all([moved, nothing])
    db.flush()
    transfer = Transfer(
        user_id=user_id,
        automation_id=rule.id,
        run_id=moved.id,
        pot_id=h.pot.id,
        pot_external_id=h.pot.external_id,
        account_external_id=h.current.external_id,
        direction="deposit",
        amount=18_99,
        currency="GBP",
        dedupe_id=f"potwise-{rule.id}-{moved.id}-0",
        status="confirmed",
        reason="New spending of £18.99",
        created_at=now - timedelta(minutes=30),
    )
    db.add(transfer)
    db.add(
        Notice(
            user_id=user_id,
            kind="automation.insufficient_funds",
            level="warning",
            message="Not enough in your current account to cover the Amex pot.",
        )
    )
    db.commit()
    return transfer


def test_history_timeline_lists_runs_and_their_transfers(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h, last_run_at=datetime.now(UTC))
    transfer = _history(db, alice.user_id, h, rule)
    page = alice.client.get(f"/automations/{rule.id}").text
    assert page.index("Pot matches what is owed") < page.index("new spending of £18.99")
    assert "Moved money" in page and "Nothing to move" in page
    assert "after a new Monzo transaction" in page and "on the clock" in page
    assert "Based on data from" in page
    assert "Into the pot" in page and "£18.99" in page and "Done" in page
    assert f'<span class="dedupe mono">{transfer.dedupe_id}</span>' in page
    # The list shows the latest run with its explanation.
    listing = alice.client.get("/automations").text
    assert "Pot matches what is owed: nothing to move." in listing


def test_transfers_page_lists_every_move_newest_first(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    first = _history(db, alice.user_id, h, rule)
    db.add(
        Transfer(
            user_id=alice.user_id,
            automation_id=rule.id,
            pot_id=h.pot.id,
            pot_external_id=h.pot.external_id,
            account_external_id=h.current.external_id,
            direction="withdraw",
            amount=7_50,
            currency="GBP",
            dedupe_id="potwise-newer-withdraw",
            status="failed",
            reason="Refund of £7.50",
            error="Monzo refused the move.",
            created_at=datetime.now(UTC),
        )
    )
    db.commit()
    page = alice.client.get("/transfers").text
    assert page.index("potwise-newer-withdraw") < page.index(first.dedupe_id)
    assert "Out of the pot" in page and "£7.50" in page and "Failed" in page
    assert "Monzo refused the move." in page
    assert "Refund of £7.50" in page
    assert f'href="/automations/{rule.id}">Amex pot</a>' in page
    assert "Card bills" in page


def test_transfers_page_empty(alice: SignedIn) -> None:
    assert "No transfers yet" in alice.client.get("/transfers").text


# --- dashboard -----------------------------------------------------------------------


def test_dashboard_tiles_show_owed_vs_pot_status_and_notices(alice: SignedIn, db: Session) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h, last_run_at=datetime.now(UTC))
    _history(db, alice.user_id, h, rule)
    page = alice.client.get("/").text
    assert "Credit-card pots" in page
    assert f'href="/automations/{rule.id}"' in page
    assert "£518.99" in page and "£500.00" in page
    assert "In sync" in page
    assert "Not enough in your current account to cover the Amex pot." in page

    db.execute(
        Automation.__table__.update()
        .where(Automation.id == rule.id)
        .values(status="waiting_funds", state={"version": 1, "recorded_owed": 700_00})
    )
    db.commit()
    page = alice.client.get("/").text
    assert "Waiting for funds" in page and "£518.99" in page and "£700.00" not in page


def test_dashboard_suggests_a_card_pot_once_connected(alice: SignedIn, db: Session) -> None:
    _household(db, alice.user_id)
    assert "Set up a credit-card pot" in alice.client.get("/").text


# --- isolation -----------------------------------------------------------------------


def test_bob_gets_404_for_alices_rule_pages_and_actions(
    alice: SignedIn, bob: SignedIn, db: Session
) -> None:
    h = _household(db, alice.user_id)
    rule = _rule(db, alice.user_id, h)
    _history(db, alice.user_id, h, rule)
    for path in (f"/automations/{rule.id}", f"/automations/{rule.id}/edit"):
        assert bob.client.get(path, headers=HTML).status_code == 404, path
    for path in ("edit", "delete", "enabled", "preview", "run"):
        url = f"/automations/{rule.id}/{path}"
        response = bob.client.post(url, data=_form(h), headers=HTML, follow_redirects=False)
        assert response.status_code == 404, url
    assert "Amex pot" not in bob.client.get("/automations").text
    assert "Amex pot" not in bob.client.get("/transfers").text
    assert "Not enough in your current account" not in bob.client.get("/").text
    saved = _only_rule(db, alice.user_id)
    assert saved.name == "Amex pot" and saved.enabled is True
    db.expire_all()
    assert len(db.scalars(select(AutomationRun)).all()) == 2  # bob's preview/run stored nothing
