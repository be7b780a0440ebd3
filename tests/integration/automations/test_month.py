"""A month in a minute: simulated days of household life with the product following
the sandbox's clock, its webhooks and scheduler on, checked at the end of every day
(see `tests/support/month.py` for what is checked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.month import figures, month
from tests.support.month_kinds import add_money_rules, money_rule_problems

DAYS = 30
#: The month with a failing connection: long enough for the day before, the day of
#: the failure and the days after it.
DAYS_WITH_A_FAILURE = 8
FAILING_DAY = 3


# On SQLite (a month is minutes of CI time).
@pytest.mark.month
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_month_of_household_life_moves_the_right_money_within_the_allowance(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    # Half a day a second: four rules react to each webhook, and a loaded machine
    # must not let the simulated clock run on while they do.
    with month(tmp_path, database_url, engine, speed=43_200) as life:
        # Beside the card pot, on the same current account: a salary sorter, an evening
        # sweep and a top-up refilling the account to what the sweep leaves.
        money_rules = add_money_rules(life)
        for _ in range(DAYS):
            life.play_day()
        problems = [(d.day, p) for d in life.days for p in d.problems]
        assert problems == []
        assert money_rule_problems(life, money_rules) == []
        found = figures(life)
    # Within the allowance: four unattended calls per card a day at most (three for the
    # planned refresh); the pot short only while a cooldown the user started runs.
    assert found["truelayer_calls_per_card_per_day"]["unattended"] <= 4
    assert found["moves"] > DAYS / 2


@pytest.mark.month
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_connection_failing_for_a_day_is_retrying_and_the_rule_keeps_working(
    tmp_path: Path, database_url: str, engine: Engine
) -> None:
    with month(tmp_path, database_url, engine) as life:
        barclaycard = next(c for c in life.cards if c["provider"].endswith("barclaycard"))
        for day in range(1, DAYS_WITH_A_FAILURE + 1):
            if day == FAILING_DAY:
                life.sandbox.fault(
                    path=f"/truelayer/api/data/v1/cards/{barclaycard['external_id']}*",
                    kind="error_5xx",
                    probability=1.0,
                )
            played = life.play_day()
            statuses = {
                c["id"]: c["status"]
                for c in life.browser.get("/api/v1/connections").json()["items"]
            }
            if day == FAILING_DAY:
                life.sandbox.clear_faults()
                assert statuses[barclaycard["connection_id"]] == "retrying", played
                assert "needs_reconnect" not in statuses.values(), statuses
        # The next planned refreshes bring it back; nothing ever asked for a re-connect.
        assert statuses[barclaycard["connection_id"]] == "active", statuses
        assert "needs_reconnect" not in statuses.values(), statuses
        problems = [(d.day, p) for d in life.days for p in d.problems]
        assert problems == []
        # The rule kept deciding through the failure, on the card as last read.
        assert life.days[FAILING_DAY - 1].runs > 0
