"""The household generator: reproducible, internally consistent, shaped like a real year."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from potwise.sandbox.clock import parse_duration
from potwise.sandbox.generator import generate_household
from potwise.sandbox.household import Household
from potwise.sandbox.tlnumbers import dumps, pence_to_major
from potwise.sandbox.ukcalendar import is_working_day, previous_working_day

NOW = datetime(2026, 5, 19, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def household() -> Household:
    return generate_household("demo", 7, 2, NOW)


def _fingerprint(h: Household) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for account in h.monzo_accounts.values():
        rows.extend((t.id, t.created, t.amount, t.description, t.settled) for t in account.txs)
    for tl in h.tl_accounts.values():
        rows.extend((t.transaction_id, t.timestamp, t.amount) for t in tl.settled + tl.pending)
    return rows


def test_same_seed_gives_identical_data() -> None:
    first = generate_household("demo", 3, 1, NOW)
    second = generate_household("demo", 3, 1, NOW)
    assert _fingerprint(first) == _fingerprint(second)
    assert _fingerprint(first) != _fingerprint(generate_household("demo", 4, 1, NOW))


def test_advancing_day_by_day_matches_one_jump() -> None:
    a = generate_household("demo", 5, 1, NOW)
    b = generate_household("demo", 5, 1, NOW)
    for step in range(10):
        a.sync_to(NOW + timedelta(days=step + 1))
    b.sync_to(NOW + timedelta(days=10))
    assert _fingerprint(a) == _fingerprint(b)
    assert len(_fingerprint(a)) > len(_fingerprint(generate_household("demo", 5, 1, NOW)))


def test_balances_are_the_sum_of_transactions(household: Household) -> None:
    for account in household.monzo_accounts.values():
        assert account.balance == sum(t.amount for t in account.txs if t.decline_reason is None)
    for pot in household.pots.values():
        ledger = household.monzo_accounts[pot.pot_account_id]
        assert pot.balance == ledger.balance >= 0
    for tl in household.tl_accounts.values():
        assert tl.settled_balance == sum(t.amount for t in tl.settled)


def test_transactions_are_in_created_order(household: Household) -> None:
    for account in household.monzo_accounts.values():
        assert account.times == sorted(account.times)
        assert [t.created.timestamp() for t in account.txs] == account.times


def test_salary_is_paid_on_the_25th_or_the_working_day_before(household: Household) -> None:
    paydays = [date.fromisoformat(d) for d in household.payday["dates"]]
    assert len(paydays) >= 23
    for payday in paydays:
        nominal = payday.replace(day=25)
        assert payday == previous_working_day(nominal)
        assert is_working_day(payday)
    # 2025-12-25 is Christmas: paid on Wednesday the 24th.
    assert date(2025, 12, 24) in paydays


def test_council_tax_is_ten_instalments_from_april(household: Household) -> None:
    council = household.recurring["council_tax"]
    months = Counter(household.monzo_txs[i].created.month for i in council.transaction_ids)
    assert set(months) == {4, 5, 6, 7, 8, 9, 10, 11, 12, 1}


def test_one_subscription_is_cancelled_and_some_change_price(household: Household) -> None:
    disney = household.recurring["disney"]
    assert not disney.active
    last = max(household.monzo_txs[i].created for i in disney.transaction_ids)
    assert last < NOW - timedelta(days=200)
    energy = household.recurring["energy"]
    assert len({a["amount"] for a in energy.amounts}) >= 2


def test_card_data_uses_the_issuers_signs(household: Household) -> None:
    for tl in household.tl_accounts.values():
        if tl.kind != "card":
            continue
        for tx in tl.settled:
            if tx.transaction_type == "DEBIT":
                assert tx.amount > 0
            else:
                assert tx.amount < 0
    repayments = next(t for t in household.tl_accounts.values() if t.provider_id == "ob-amex")
    assert any(t.description == "PAYMENT RECEIVED - THANK YOU" for t in repayments.settled)


def test_truth_ids_exist_where_the_apis_show_them(household: Household) -> None:
    tl_ids = {t.transaction_id for a in household.tl_accounts.values() for t in a.settled}
    for tx_id in household.internal_transfers + household.card_repayments:
        assert tx_id in household.monzo_txs or tx_id in tl_ids
    for tx_id in household.pot_move_ids:
        assert household.monzo_txs[tx_id].scheme == "uk_retail_pot"


@pytest.mark.timing
def test_ten_years_generate_quickly() -> None:
    import time

    start = time.perf_counter()
    h = generate_household("demo", 1, 10, NOW)
    assert time.perf_counter() - start < 4  # generous here; the benchmark measures properly
    assert len(h.monzo_txs) > 5000


def test_durations_and_decimal_numbers() -> None:
    assert parse_duration("P1DT3H") == timedelta(days=1, hours=3)
    assert parse_duration("PT0.5S") == timedelta(seconds=0.5)
    with pytest.raises(ValueError):
        parse_duration("P1M")
    assert dumps(
        {
            "a": pence_to_major(-2347),
            "b": pence_to_major(10000),
            "c": pence_to_major(5),
            "d": pence_to_major(-120),
        }
    ) == (b'{"a":-23.47,"b":100,"c":0.05,"d":-1.2}')
