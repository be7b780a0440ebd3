"""Recurring detection: cadences, working-day drift, price rises, stopped series, matching."""

from __future__ import annotations

import random
from datetime import date, timedelta
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from potwise.domain.recurring import (
    DetectionSettings,
    Mandate,
    TxnFact,
    commitment_dates,
    detect_commitments,
    match_payment,
    settle_paid,
)
from potwise.domain.schedules import Cadence, Roll, Schedule, occurrences
from tests.unit.domain.cashflow_builders import CAL, every, facts, monthly_dates


def _only(found: list, payee: str):
    [one] = [c for c in found if c.payee == payee]
    return one


def test_monthly_direct_debit_rolls_to_next_working_day_and_predicts_after_easter() -> None:
    # Day 3: 3 April 2026 is Good Friday and 6 April Easter Monday.
    history = facts("netflix", monthly_dates(date(2025, 3, 1), 13, 3), -1099)
    [netflix] = detect_commitments(history, date(2026, 3, 20))
    assert netflix.cadence is Cadence.MONTHLY
    assert netflix.schedule.day_of_month == 3
    assert netflix.schedule.roll is Roll.NEXT
    assert netflix.next_date == date(2026, 4, 7)
    assert netflix.active
    assert netflix.amount == -1099
    assert netflix.direction == "out"
    assert netflix.evidence == tuple(f.id for f in history)
    assert 0.9 <= netflix.confidence <= 1


def test_salary_paid_the_working_day_before_a_weekend_or_bank_holiday() -> None:
    dates = monthly_dates(date(2024, 1, 1), 14, 25, roll="previous")
    assert date(2024, 12, 24) in dates  # 25 December: paid Christmas Eve
    salary = facts("acme ltd", dates, 300000)
    [pay] = detect_commitments(salary, date(2025, 3, 1))
    assert (pay.cadence, pay.schedule.day_of_month, pay.schedule.roll) == (
        Cadence.MONTHLY,
        25,
        Roll.PREVIOUS,
    )
    assert pay.direction == "in"
    # 25 May 2025 is a Sunday (and the 26th a bank holiday): paid Friday 23rd.
    assert commitment_dates(pay, date(2025, 3, 1), date(2025, 6, 1)) == [
        date(2025, 3, 25),
        date(2025, 4, 25),
        date(2025, 5, 23),
    ]


def test_last_working_day_pay_is_recognised() -> None:
    dates = [CAL.last_working_day_of_month(y, m) for y, m in [(2024, m) for m in range(1, 13)]]
    [pay] = detect_commitments(facts("civil service", dates, 250000), date(2025, 1, 2))
    assert pay.cadence is Cadence.MONTHLY_LAST_WORKING_DAY
    assert pay.next_date == date(2025, 1, 31)
    # May 2025 ends on a Saturday: last working day Friday 30th.
    assert commitment_dates(pay, date(2025, 5, 1), date(2025, 5, 31)) == [date(2025, 5, 30)]


def test_fortnightly_four_weekly_and_monthly_are_told_apart() -> None:
    start = date(2024, 1, 5)  # a Friday
    history = [
        *facts("fortnightly pay", every(start, 14, 20), 120000),
        *facts("four weekly pay", every(start, 28, 12), 240000),
        *facts("monthly pay", monthly_dates(start, 11, 5, roll="previous"), 260000),
        *facts("weekly allowance", every(start, 7, 30), -2000),
    ]
    found = detect_commitments(history, date(2024, 12, 1))
    assert _only(found, "fortnightly pay").cadence is Cadence.FORTNIGHTLY
    assert _only(found, "four weekly pay").cadence is Cadence.FOUR_WEEKLY
    assert _only(found, "monthly pay").cadence is Cadence.MONTHLY
    assert _only(found, "weekly allowance").cadence is Cadence.WEEKLY
    # Four-weekly: 13 a year, always 28 days apart.
    four = _only(found, "four weekly pay")
    assert four.next_date == start + timedelta(days=28 * 12)


def test_council_tax_ten_instalments_from_april_skip_february_and_march() -> None:
    dates = monthly_dates(date(2023, 4, 1), 24, 1, skip=(2, 3))
    assert len(dates) == 20
    bill = facts("leeds city council", dates, [-18600] * 10 + [-19530] * 10)
    [tax] = detect_commitments(bill, date(2025, 2, 10))
    assert tax.cadence is Cadence.MONTHLY_10_FROM_APRIL
    assert tax.next_date == date(2025, 4, 1)
    assert tax.active
    [rise] = tax.changes
    assert (rise.on, rise.before, rise.after, rise.is_rise) == (
        date(2024, 4, 2),  # 1 April 2024 was Easter Monday
        -18600,
        -19530,
        True,
    )
    schedule = tax.schedule
    assert len(occurrences(schedule, date(2025, 1, 1), date(2025, 12, 31), CAL)) == 10


def test_cancelled_subscription_is_reported_stopped_with_missed_dates() -> None:
    history = facts("disney plus", monthly_dates(date(2024, 1, 1), 8, 9), -799)  # Jan-Aug
    [disney] = detect_commitments(history, date(2024, 11, 20))
    assert not disney.active
    assert disney.next_date is None
    assert disney.last_date == date(2024, 8, 9)
    assert disney.missed == (date(2024, 9, 9), date(2024, 10, 9), date(2024, 11, 11))
    assert commitment_dates(disney, date(2024, 11, 20), date(2025, 11, 20)) == []


def test_a_late_payment_within_tolerance_does_not_stop_the_series() -> None:
    history = facts("gym", monthly_dates(date(2024, 1, 1), 10, 1), -2499)  # Jan-Oct
    [gym] = detect_commitments(history, date(2024, 11, 4))  # due Fri 1 Nov, 3 days ago
    assert gym.active
    assert gym.next_date == date(2024, 11, 1)


def test_step_price_rise_beyond_the_tolerance_keeps_one_series() -> None:
    dates = monthly_dates(date(2023, 1, 1), 30, 17, roll="none")
    amounts = [-1199] * 12 + [-1399] * 12 + [-1599] * 6
    [spotify] = detect_commitments(facts("spotify", dates, amounts), date(2025, 7, 1))
    assert spotify.amount == -1599
    assert [(c.on, c.before, c.after) for c in spotify.changes] == [
        (date(2024, 1, 17), -1199, -1399),
        (date(2025, 1, 17), -1399, -1599),
    ]
    assert len(spotify.evidence) == 30


def test_price_rise_at_a_payee_with_other_payments_joins_the_series() -> None:
    rng = random.Random(5)
    dates = monthly_dates(date(2024, 1, 1), 14, 10)
    bill = facts("amazon", dates, [-799] * 10 + [-999] * 4, prefix="prime")
    shopping = [
        TxnFact(
            f"shop-{i}",
            date(2024, 1, 1) + timedelta(days=rng.randrange(420)),
            -rng.randrange(1500, 9000),
            "amazon",
        )
        for i in range(40)
    ]
    found = detect_commitments([*bill, *shopping], date(2025, 3, 1))
    [prime] = found
    assert set(prime.evidence) == {f.id for f in bill}
    assert [(c.before, c.after) for c in prime.changes] == [(-799, -999)]


def test_amount_drift_within_ten_percent_is_one_series() -> None:
    rng = random.Random(3)
    dates = monthly_dates(date(2024, 1, 1), 12, 14)
    amounts = [-(9000 + rng.randrange(-800, 800)) for _ in dates]
    [energy] = detect_commitments(facts("octopus energy", dates, amounts), date(2025, 1, 1))
    assert energy.cadence is Cadence.MONTHLY
    assert len(energy.evidence) == 12


def test_quarterly_and_yearly() -> None:
    quarterly = monthly_dates(date(2022, 3, 20), 36, 20)[::3]
    yearly = [date(2021, 6, 2), date(2022, 6, 2), date(2023, 6, 2), date(2024, 6, 3)]
    found = detect_commitments(
        [*facts("water", quarterly, -12000), *facts("aa", yearly, -15000)], date(2025, 1, 1)
    )
    water, aa = _only(found, "water"), _only(found, "aa")
    assert water.cadence is Cadence.QUARTERLY
    assert water.next_date == date(2025, 3, 20)
    assert aa.cadence is Cadence.YEARLY
    assert aa.next_date == date(2025, 6, 2)


def test_internal_movements_are_never_commitments() -> None:
    dates = monthly_dates(date(2024, 1, 1), 12, 25, roll="previous")
    history = [
        *facts("joint account", dates, -105000, classification="internal_transfer"),
        *facts("american express", dates, -40000, classification="card_repayment"),
        *facts("bills", dates, -12000, classification="pot_move"),
    ]
    assert detect_commitments(history, date(2025, 1, 1)) == []


def test_random_spending_at_one_shop_is_not_recurring() -> None:
    rng = random.Random(11)
    start = date(2023, 1, 1)
    for payee in ("tesco", "tfl", "pret"):
        shop = [
            TxnFact(
                f"{payee}-{i}",
                start + timedelta(days=rng.randrange(730)),
                -rng.randrange(250, 9000),
                payee,
            )
            for i in range(rng.choice((30, 100, 300)))
        ]
        assert detect_commitments(shop, date(2025, 1, 1)) == []


def test_two_payments_are_not_enough() -> None:
    history = facts("gym", monthly_dates(date(2024, 1, 1), 2, 1), -2499)
    assert detect_commitments(history, date(2024, 3, 1)) == []
    loose = DetectionSettings(min_occurrences=2)
    assert len(detect_commitments(history, date(2024, 2, 15), settings=loose)) == 1


def test_direct_debit_raises_confidence_and_supplies_the_next_date() -> None:
    history = facts("tv licence", monthly_dates(date(2024, 6, 1), 6, 1), -1413)
    today = date(2024, 11, 10)
    [plain] = detect_commitments(history, today)
    so = Mandate("so-1", "standing_order", "tv licence", "acc-current", -1413, date(2024, 12, 3))
    [backed] = detect_commitments(history, today, mandates=[so])
    assert backed.confidence > plain.confidence
    assert backed.mandate_id == "so-1"
    assert plain.next_date == date(2024, 12, 2)
    assert backed.next_date == date(2024, 12, 3)
    cancelled = Mandate("dd-1", "direct_debit", "tv licence", active=False)
    [stopped] = detect_commitments(history, today, mandates=[cancelled])
    assert not stopped.active


def test_new_payment_matches_within_two_working_days_and_seven_and_a_half_percent() -> None:
    [rent] = detect_commitments(
        facts("landlord", monthly_dates(date(2024, 1, 1), 12, 1), -100000), date(2025, 1, 1)
    )

    def pay(on: date, amount: int) -> TxnFact:
        return TxnFact("new", on, amount, "landlord")

    # Due Wed 1 Jan 2025 (a bank holiday) → Thu 2 Jan; Mon 6 Jan is 2 working days on.
    hit = match_payment(pay(date(2025, 1, 6), -107000), [rent])
    assert hit is not None
    assert (hit.commitment_key, hit.expected_on, hit.working_days_off) == (
        rent.key,
        date(2025, 1, 2),
        2,
    )
    assert hit.amount_difference == -7000
    assert match_payment(pay(date(2025, 1, 7), -100000), [rent]) is None  # 3 working days
    assert match_payment(pay(date(2025, 1, 2), -107600), [rent]) is None  # 7.6 %
    assert match_payment(pay(date(2025, 1, 2), 100000), [rent]) is None  # money in
    wider = match_payment(
        pay(date(2025, 1, 7), -110000), [rent], working_days=3, amount_tolerance=Fraction(1, 10)
    )
    assert wider is not None and wider.working_days_off == 3


def test_schedule_occurrences_roll_across_the_window_edge() -> None:
    schedule = Schedule(Cadence.MONTHLY, date(2024, 1, 1), Roll.PREVIOUS, day_of_month=1)
    # 1 June 2024 is a Saturday: paid Friday 31 May.
    assert occurrences(schedule, date(2024, 5, 2), date(2024, 5, 31), CAL) == [date(2024, 5, 31)]
    assert occurrences(schedule, date(2024, 6, 1), date(2024, 6, 30), CAL) == []


_SERIES = [
    facts("netflix", monthly_dates(date(2024, 1, 1), 14, 3), -1099),
    facts("acme", monthly_dates(date(2024, 1, 1), 14, 25, roll="previous"), 250000),
    facts("council", monthly_dates(date(2023, 4, 1), 24, 1, skip=(2, 3)), -18000),
    facts("club", every(date(2024, 1, 6), 14, 30), -1500),
]


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, 40))
def test_detection_is_independent_of_input_order(rng: random.Random, noise: int) -> None:
    extra = [
        TxnFact(
            f"noise-{i}",
            date(2024, 1, 1) + timedelta(days=rng.randrange(400)),
            -rng.randrange(100, 5000),
            rng.choice(["tesco", "netflix", "acme"]),
        )
        for i in range(noise)
    ]
    history = [f for series in _SERIES for f in series] + extra
    expected = detect_commitments(history, date(2025, 3, 1))
    shuffled = history[:]
    rng.shuffle(shuffled)
    assert detect_commitments(shuffled, date(2025, 3, 1)) == expected
    assert len(expected) >= 3


def test_a_one_off_first_payment_is_not_evidence_but_an_old_price_is() -> None:
    dates = monthly_dates(date(2024, 1, 1), 12, 28, roll="previous")
    opening = TxnFact("opening", date(2023, 12, 27), 50000, "partner")
    [joint] = detect_commitments([opening, *facts("partner", dates, 100000)], date(2025, 1, 2))
    assert "opening" not in joint.evidence and joint.changes == ()
    old_price = TxnFact("old", date(2023, 12, 28), 85000, "partner")
    [rise] = detect_commitments([old_price, *facts("partner", dates, 100000)], date(2025, 1, 2))
    assert rise.evidence[0] == "old"
    assert [(c.before, c.after) for c in rise.changes] == [(85000, 100000)]


def test_pay_rolled_back_often_is_still_the_25th_with_the_previous_working_day() -> None:
    # A year of pay due on the 25th: rolled back to the 24th, 23rd or 22nd over
    # weekends and Christmas, so "the 24th, as it falls" fits as closely before any
    # roll; the roll decides for the 25th.
    paid = [
        date.fromisoformat(d)
        for d in [
            "2025-11-25",
            "2025-12-24",
            "2026-01-23",
            "2026-02-25",
            "2026-03-25",
            "2026-04-24",
            "2026-05-22",
            "2026-06-25",
            "2026-07-24",
            "2026-08-25",
            "2026-09-25",
            "2026-10-23",
        ]
    ]
    [salary] = detect_commitments(facts("nhs", paid, 320_845), date(2026, 11, 23))
    assert salary.schedule.day_of_month == 25
    assert salary.schedule.roll is Roll.PREVIOUS
    assert salary.next_date == date(2026, 11, 25)


def test_a_pending_payment_settles_the_occurrence_it_pays() -> None:
    # Netflix on the 3rd, Jan-Nov 2026; on Sun 6 Dec the December payment (Thu 3 Dec)
    # is still pending, so detection (settled facts) says it is due on 3 Dec.
    history = facts("netflix", monthly_dates(date(2026, 1, 1), 11, 3), -1299)
    [netflix] = detect_commitments(history, date(2026, 12, 6))
    assert netflix.next_date == date(2026, 12, 3)
    pending = TxnFact("pending-dec", date(2026, 12, 3), -1299, "netflix")
    settled = settle_paid(netflix, [pending])
    assert settled.next_date == date(2027, 1, 4)  # 3 Jan 2027 is a Sunday
    assert settled.active and settled.key == netflix.key
    assert commitment_dates(settled, date(2026, 12, 6), date(2026, 12, 31), overdue=True) == []
    # The same payment, settled, does the same before detection sees it.
    assert settle_paid(netflix, [TxnFact("s", date(2026, 12, 4), -1299, "netflix")]) == settled


def test_only_a_payment_that_matches_settles_an_occurrence() -> None:
    history = facts("netflix", monthly_dates(date(2026, 1, 1), 11, 3), -1299)
    [netflix] = detect_commitments(history, date(2026, 12, 6))
    for other in (
        TxnFact("x", date(2026, 12, 3), -1299, "spotify"),  # another payee
        TxnFact("x", date(2026, 12, 3), -2000, "netflix"),  # another amount
        TxnFact("x", date(2026, 12, 3), 1299, "netflix"),  # a refund
        TxnFact("x", date(2026, 11, 20), -1299, "netflix"),  # too early
        TxnFact(netflix.evidence[-1], date(2026, 12, 3), -1299, "netflix"),  # evidence
    ):
        assert settle_paid(netflix, [other]) is netflix, other
    # Wider matching, as the user may set it, reaches further.
    late = TxnFact("late", date(2026, 12, 8), -1299, "netflix")  # 3 working days late
    assert settle_paid(netflix, [late]).next_date == date(2026, 12, 3)
    assert settle_paid(netflix, [late], working_days=3).next_date == date(2027, 1, 4)
    # A second payment near the same occurrence does not pay the next month's.
    twice = [
        TxnFact("a", date(2026, 12, 3), -1299, "netflix"),
        TxnFact("b", date(2026, 12, 4), -1299, "netflix"),
    ]
    assert settle_paid(netflix, twice).next_date == date(2027, 1, 4)
