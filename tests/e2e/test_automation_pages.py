"""Automations in a real browser: the rule list, the form, history, transfers, the dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from potwise.db.engine import make_engine, make_session_factory
from potwise.db.models import Account, Automation, AutomationRun, Notice, Pot, Transfer, User
from tests.e2e.conftest import TIMEOUT_MS, LiveServer, register
from tests.e2e.test_bank_pages import VIEWPORTS, _seed, fits

pytestmark = pytest.mark.e2e


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[tuple[str, Page]]:
    name: str = request.param
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORTS[name],
        color_scheme="light",
        locale="en-GB",
        is_mobile=name == "mobile",
        has_touch=name == "mobile",
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield name, context.new_page()
    context.close()


def _seed_rules(database_url: str, email: str) -> str:
    """The bank mirror of test_bank_pages, a card-pot rule cooling down with a history,
    and a second rule switched off. Returns the first rule's id."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as db:
            user_id = db.scalars(select(User.id).where(User.email == email)).one()
            card = db.scalars(
                select(Account).where(Account.user_id == user_id, Account.kind == "credit_card")
            ).one()
            pots = {p.name: p for p in db.scalars(select(Pot).where(Pot.user_id == user_id)).all()}
            current = db.get(Account, pots["Amex payoff"].account_id)
            assert current is not None
            now = datetime.now(UTC)
            rule = Automation(
                user_id=user_id,
                kind="card_pot",
                name="Amex bill",
                config={
                    "pot_id": pots["Amex payoff"].id,
                    "card_account_ids": [card.id],
                    "cooldown_hours": 3,
                    "override_cooldown_on_spending": True,
                    "max_transfer": 100_000,
                    "max_per_day": 300_000,
                },
                status="cooldown",
                status_reason="Cooling down",
                last_run_at=now - timedelta(minutes=20),
                state={
                    "version": 1,
                    "recorded_owed": 512_30,
                    "cooldown": {"until": (now + timedelta(hours=2)).isoformat()},
                },
            )
            off = Automation(
                user_id=user_id,
                kind="card_pot",
                name="Holiday card (not used)",
                enabled=False,
                config={"pot_id": pots["Holiday"].id, "card_account_ids": []},
            )
            db.add_all([rule, off])
            db.flush()
            runs = [
                (
                    "webhook",
                    "moved",
                    "Amex owes £512.30 (£493.31 posted + £18.99 pending); pot holds £493.31; "
                    "new spending of £18.99 since 14:02 → deposit £18.99",
                    timedelta(hours=5),
                    18_99,
                    "deposit",
                ),
                (
                    "sync",
                    "nothing",
                    "Amex owes £512.30; pot holds £400.00: £112.30 short with no new spending "
                    "(a bill paid from the pot?) → cooling down for 3 hours before topping up.",
                    timedelta(minutes=20),
                    None,
                    None,
                ),
            ]
            for trigger, status, text, ago, amount, direction in runs:
                run = AutomationRun(
                    user_id=user_id,
                    automation_id=rule.id,
                    trigger=trigger,
                    started_at=now - ago,
                    finished_at=now - ago,
                    status=status,
                    explanation=text,
                    data_as_of=now - ago - timedelta(minutes=40) if trigger == "sync" else None,
                )
                db.add(run)
                db.flush()
                if amount is not None and direction is not None:
                    db.add(
                        Transfer(
                            user_id=user_id,
                            automation_id=rule.id,
                            run_id=run.id,
                            pot_id=pots["Amex payoff"].id,
                            pot_external_id=pots["Amex payoff"].external_id,
                            account_external_id=current.external_id,
                            direction=direction,
                            amount=amount,
                            currency="GBP",
                            dedupe_id=f"pw-{rule.id[:12]}-{run.id[:12]}-0",
                            status="confirmed",
                            reason=text,
                            created_at=now - ago,
                        )
                    )
            db.add(
                Notice(
                    user_id=user_id,
                    kind="automation.moved",
                    level="info",
                    message="Moved £18.99 into “Amex payoff” for new Amex spending.",
                    created_at=now - timedelta(hours=5),
                )
            )
            db.commit()
            return rule.id
    finally:
        engine.dispose()


def _every_automation_page_in(
    theme: str, size: str, page: Page, rule_id: str, artifacts: Path
) -> None:
    """The list, the form, a rule's history, the transfers and the dashboard in one theme."""
    page.goto("/automations")
    if theme == "dark":
        page.locator("#theme-toggle").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Rules")).to_have_attribute("aria-current", "page")
    rule = page.locator(f"#rule-{rule_id}")
    expect(rule.get_by_text("Cooling down until")).to_be_visible()
    expect(rule.get_by_role("switch", name="Amex bill switched on")).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_text("Switched off", exact=True)).to_be_visible()
    fits(page, size)
    page.screenshot(path=artifacts / f"automations-{size}-{theme}.png", full_page=True)

    page.goto("/automations/new?kind=card_pot")
    expect(page.get_by_label("Cover new spending during a cooldown")).to_be_checked()
    expect(page.get_by_label("Most per transfer")).to_have_value("1,000.00")
    fits(page, size)
    page.screenshot(path=artifacts / f"automation-form-{size}-{theme}.png", full_page=True)

    page.goto(f"/automations/{rule_id}")
    expect(page.get_by_text("Based on data from")).to_be_visible()
    fits(page, size)
    page.screenshot(path=artifacts / f"automation-history-{size}-{theme}.png", full_page=True)

    page.goto("/transfers")
    expect(page.locator("tbody tr")).to_have_count(1)
    fits(page, size)
    page.screenshot(path=artifacts / f"transfers-{size}-{theme}.png", full_page=True)

    page.goto("/")
    expect(page.get_by_text("Cooling down until")).to_be_visible()
    fits(page, size)
    page.screenshot(path=artifacts / f"dashboard-automations-{size}-{theme}.png", full_page=True)


def test_automations_list_form_history_and_transfers(
    sized_page: tuple[str, Page], live_server: LiveServer, artifacts: Path
) -> None:
    size, page = sized_page
    account = register(page)
    _seed(live_server.database_url, account.email)
    rule_id = _seed_rules(live_server.database_url, account.email)

    for theme in ("light", "dark"):
        _every_automation_page_in(theme, size, page, rule_id, artifacts)

    # A refused form keeps what was typed and says why, next to the field.
    page.goto("/automations/new?kind=card_pot")
    page.get_by_label("Name").fill("Barclaycard bill")
    page.get_by_label("Most per transfer").fill("12.345")
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("Choose the pot to keep equal")).to_be_visible()
    expect(page.get_by_text("limit per transfer is not an amount in pounds")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Barclaycard bill")
    expect(page.get_by_label("Most per transfer")).to_have_value("12.345")
    fits(page, size)
    page.screenshot(path=artifacts / f"automation-form-errors-{size}-dark.png", full_page=True)

    # Pausing everything shows a banner; deleting asks first, without script.
    page.goto("/automations")
    page.get_by_role("button", name="Pause all my automations").click()
    expect(page.get_by_text("All your automations are paused.", exact=True)).to_be_visible()
    page.get_by_role("button", name="Resume my automations").click()
    expect(page.get_by_text("Automations resumed.")).to_be_visible()
    page.goto(f"/automations/{rule_id}/edit")
    page.get_by_text("Delete rule…").click()
    page.get_by_role("button", name="Yes, delete Amex bill").click()
    expect(page.get_by_text("Rule deleted.")).to_be_visible()


def _choose_pot(page: Page, select: str, name: str) -> None:
    """Choose the pot called `name` in the select labelled `select`."""
    field = page.get_by_label(select, exact=True)
    value = field.locator("option", has_text=name).first.get_attribute("value")
    assert value
    field.select_option(value)


def _make_sweep(page: Page, size: str, artifacts: Path) -> None:
    """A sweep: the defaults (every day at 20:00, whole pounds) and a threshold in pounds."""
    page.get_by_role("link", name="Sweep", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Evening sweep")
    _choose_pot(page, "Pot to sweep into", "Rainy day")
    page.get_by_label("Keep in the current account").fill("£1,000")
    expect(page.get_by_label("Every day")).to_be_checked()
    expect(page.get_by_label("Whole pounds")).to_be_checked()
    fits(page, size)
    page.screenshot(path=artifacts / f"rule-form-sweep-{size}.png", full_page=True)
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_text("Rule created. It sweeps at the next time you chose.")).to_be_visible()
    expect(
        page.get_by_text("Sweeps above £1,000 into Rainy day every day at 20:00")
    ).to_be_visible()


def _make_goal(page: Page, size: str, artifacts: Path) -> None:
    """A goal: a third decimal place is refused beside the field, what was typed kept;
    the chosen pot's own goal in the Monzo app is offered, and used."""
    page.goto("/automations/new")
    page.get_by_role("link", name="Savings goal").click()
    page.get_by_label("Name", exact=True).fill("Japan trip")
    _choose_pot(page, "Pot to save in", "Holiday")
    page.get_by_label("Target", exact=True).fill("12.345")
    by = (datetime.now(UTC) + timedelta(days=365)).date().isoformat()
    page.get_by_label("By", exact=True).fill(by)
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#target_amount-error")).to_contain_text("not an amount in pounds")
    expect(page.get_by_label("Target", exact=True)).to_have_value("12.345")
    expect(page.get_by_label("By", exact=True)).to_have_value(by)
    page.get_by_label("Your pot\u2019s goal in the Monzo app: £1,200.00 — use it").check()
    fits(page, size)
    page.screenshot(path=artifacts / f"rule-form-goal-{size}.png", full_page=True)
    page.get_by_role("button", name="Create rule").click()
    expect(page.get_by_text("Goal created.")).to_be_visible()
    expect(page.get_by_text("Tracks Holiday toward £1,200 by")).to_be_visible()


def test_a_sweep_and_a_goal_made_in_the_browser_and_the_goals_progress(
    sized_page: tuple[str, Page], live_server: LiveServer, artifacts: Path
) -> None:
    size, page = sized_page
    account = register(page)
    _seed(live_server.database_url, account.email)  # Holiday holds £300.00, goal £1,200.00

    page.goto("/automations")
    page.get_by_role("link", name="New rule").click()
    expect(page.get_by_role("heading", name="New rule", exact=True)).to_be_visible()
    fits(page, size)
    page.screenshot(path=artifacts / f"rule-kinds-{size}.png", full_page=True)
    _make_sweep(page, size, artifacts)
    _make_goal(page, size, artifacts)
    fits(page, size)
    page.screenshot(path=artifacts / f"automations-kinds-{size}.png", full_page=True)

    for kind in ("autosort", "topup"):  # the other forms fit too
        page.goto(f"/automations/new?kind={kind}")
        expect(page.get_by_role("button", name="Create rule")).to_be_visible()
        fits(page, size)
        page.screenshot(path=artifacts / f"rule-form-{kind}-{size}.png", full_page=True)

    page.goto("/")
    goals = page.get_by_role("region", name="Savings goals")
    bar = goals.get_by_role("progressbar", name="Japan trip: 25% of the goal saved")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("value", "2500")
    expect(goals.get_by_text("£300.00", exact=True)).to_be_visible()
    expect(goals.get_by_text("Needs a month")).to_be_visible()
    box = bar.bounding_box()
    assert box is not None and box["width"] > 150  # a bar to read, even at 390 px
    fits(page, size)
    page.screenshot(path=artifacts / f"dashboard-goals-{size}.png", full_page=True)
