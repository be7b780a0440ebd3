"""The backtest's history read from a mirror built by hand: balances walked back from
today's (pending in, declined out), a pot's start from its moves, the user's own payday,
the salary's credits (a hand-added salary matches its payer within 7.5%), a history that
starts late, and a session left with nothing to write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from potwise.db.models import Account, CashflowPreference, Commitment, Pot, Transaction
from potwise.domain.backtest import Backtest
from potwise.services.automations.backtest import run_backtest
from potwise.services.cashflow import history as cashflow_history
from potwise.services.errors import InvalidInput
from tests.integration.automations.builders import household

LONDON = ZoneInfo("Europe/London")
#: Sunday 1 November 2026 at noon (GMT): three months back is 1 August, 00:00 BST.
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
NEVER = 10_000_000  # a sweep threshold no balance reaches


@pytest.fixture
def home(db: Session) -> dict[str, str]:
    found = household(db, "ann")
    cashflow_history.forget(found["user"])
    account = db.get(Account, found["current"])
    pot = db.get(Pot, found["pot"])
    assert account is not None and pot is not None
    account.balance = 100_000
    pot.balance = 30_000
    db.commit()
    return found


def _tx(db: Session, home: dict[str, str], at: datetime, pence: int, **fields: Any) -> str:
    row = Transaction(
        user_id=home["user"],
        connection_id=home["monzo"],
        account_id=home["current"],
        external_id=f"tx-{at.isoformat()}-{pence}",
        created_at=at,
        amount=pence,
        currency="GBP",
        status=fields.pop("status", "settled"),
        description=fields.pop("description", "Shop"),
        **fields,
    )
    db.add(row)
    db.commit()
    return row.id


def _run(db: Session, home: dict[str, str], kind: str, config: dict[str, Any]) -> Backtest:
    return run_backtest(db, home["user"], kind, config, 3, now=NOW, zone=LONDON)


def _sweep(db: Session, home: dict[str, str]) -> Backtest:
    return _run(db, home, "sweep", {"pot_id": home["pot"], "threshold": NEVER})


def test_the_balances_at_the_start_are_walked_back_from_today(
    db: Session, home: dict[str, str]
) -> None:
    _tx(db, home, NOW - timedelta(days=200), 40_000)  # before the period
    _tx(db, home, NOW - timedelta(days=20), -10_000, pot_external_id="ann-pot")
    _tx(db, home, NOW - timedelta(days=10), -5_000)
    _tx(db, home, NOW - timedelta(days=2), -1_000, status="pending")
    _tx(db, home, NOW - timedelta(days=1), -99_999, status="declined")
    found = _sweep(db, home)
    first, last = found.balances[0], found.balances[-1]
    assert (first.on, last.on) == (date(2026, 8, 1), date(2026, 11, 1))
    assert first.current_without == 116_000
    assert last.current_without == 100_000
    assert (first.pots[home["pot"]], last.pots[home["pot"]]) == (20_000, 30_000)
    assert "history_starts" not in {w.kind for w in found.warnings}


def test_a_history_that_starts_late_is_said_and_shown_flat(
    db: Session, home: dict[str, str]
) -> None:
    _tx(db, home, NOW - timedelta(days=20), -5_000)
    found = _sweep(db, home)
    [late] = [w for w in found.warnings if w.kind == "history_starts"]
    assert "2026-10-12" in late.message
    assert {d.current_without for d in found.balances[:60]} == {105_000}


def test_a_pot_whose_moves_do_not_add_up_starts_at_zero(db: Session, home: dict[str, str]) -> None:
    _tx(db, home, NOW - timedelta(days=120), 1)
    _tx(db, home, NOW - timedelta(days=20), -50_000, pot_external_id="ann-pot")
    found = _sweep(db, home)
    assert found.balances[0].pots[home["pot"]] == 0
    assert "pot_history" in {w.kind for w in found.warnings}


def test_the_users_own_payday_drives_a_sweep_before_payday(
    db: Session, home: dict[str, str]
) -> None:
    db.add(CashflowPreference(user_id=home["user"], payday_day=25))
    db.commit()
    _tx(db, home, NOW - timedelta(days=120), 1)
    for month in (8, 9, 10):
        _tx(db, home, datetime(2026, month, 2, 9, tzinfo=UTC), 10_000, description="Gift")
    found = _run(
        db, home, "sweep", {"pot_id": home["pot"], "threshold": 0, "schedule": "before_payday"}
    )
    # Paid on the 25th, or the working day before: swept the evening before each.
    assert [m.on for m in found.moves] == [date(2026, 8, 24), date(2026, 9, 24), date(2026, 10, 22)]
    assert [m.amount for m in found.moves][1:] == [10_000, 10_000]


def test_a_hand_added_salary_matches_its_payer_within_its_tolerance(
    db: Session, home: dict[str, str]
) -> None:
    db.add(
        Commitment(
            user_id=home["user"],
            key="manual:salary",
            status="confirmed",
            manual=True,
            payee="ACME LTD",
            description="ACME LTD",
            amount=200_000,
            cadence="monthly",
            direction="in",
            account_id=home["current"],
            day_of_month=25,
            anchor=date(2026, 1, 25),
            evidence=[],
        )
    )
    account = db.get(Account, home["current"])
    assert account is not None
    account.balance = 1_000_000  # the credits below never leave it short of a sort
    db.commit()
    _tx(db, home, NOW - timedelta(days=120), 1)
    _tx(db, home, datetime(2026, 9, 25, 9, tzinfo=UTC), 190_000, description="ACME LTD")
    _tx(db, home, datetime(2026, 9, 28, 9, tzinfo=UTC), 50_000, description="ACME LTD")
    _tx(db, home, datetime(2026, 10, 2, 9, tzinfo=UTC), 200_000, description="OTHER PLC")
    config = {"steps": [{"pot_id": home["pot"], "kind": "fixed", "amount": 10_000}]}
    found = _run(db, home, "autosort", config)
    assert [(m.at, m.amount) for m in found.moves] == [
        (datetime(2026, 9, 25, 9, tzinfo=UTC), 10_000)
    ]
    assert "no_income" not in {w.kind for w in found.warnings}


def test_months_outside_the_offer_are_refused_and_nothing_is_left_to_write(
    db: Session, home: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput, match="months must be 3, 6 or 12"):
        run_backtest(
            db,
            home["user"],
            "sweep",
            {"pot_id": home["pot"], "threshold": 1},
            4,
            now=NOW,
            zone=LONDON,
        )
    _sweep(db, home)
    assert not db.new and not db.dirty and not db.deleted
