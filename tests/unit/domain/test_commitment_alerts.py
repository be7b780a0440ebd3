"""When a missing payment or a price rise is news (domain.commitment_alerts)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from potwise.domain.commitment_alerts import (
    MISSED,
    RISE,
    AlertSettings,
    Payment,
    Watched,
    alerts_due,
    missed_occurrence,
    price_rise,
)
from potwise.domain.schedules import Cadence, Roll, Schedule

MONTHLY_1ST = Schedule(Cadence.MONTHLY, date(2024, 1, 1), Roll.NEXT, day_of_month=1)
MONTHLY_25TH_PAY = Schedule(Cadence.MONTHLY, date(2024, 1, 25), Roll.PREVIOUS, day_of_month=25)


def paid_monthly(amount: int, *months: tuple[int, int], day: int = 1) -> tuple[Payment, ...]:
    return tuple(Payment(f"tx{y}{m:02d}", date(y, m, day), amount) for y, m in months)


def council_tax(
    payments: tuple[Payment, ...], known_on: date = date(2024, 6, 1), **kw: object
) -> Watched:
    return Watched(
        id="c1",
        label="Council tax",
        direction="out",
        amount=-12_300,
        currency="GBP",
        schedule=MONTHLY_1ST,
        known_on=known_on,
        payments=payments,
        **kw,  # type: ignore[arg-type]
    )


PAID_TO_NOVEMBER = paid_monthly(-12_300, *((2024, m) for m in range(7, 12)))


def test_a_bill_that_did_not_arrive_is_announced_once_its_window_has_passed() -> None:
    bill = council_tax(PAID_TO_NOVEMBER)
    # Sunday 1 Dec 2024 rolls to Monday 2 Dec; two working days later is Wednesday 4 Dec.
    assert missed_occurrence(bill, date(2024, 12, 4)) is None
    assert missed_occurrence(bill, date(2024, 12, 5)) == date(2024, 12, 2)
    [alert] = alerts_due(bill, date(2024, 12, 5))
    assert alert.kind == MISSED and alert.occurrence == "2024-12-02"
    assert alert.message == "Council tax £123.00 expected on 2 Dec has not been paid"


def test_a_payment_within_two_working_days_counts_as_arrived() -> None:
    late = (*PAID_TO_NOVEMBER, Payment("late", date(2024, 12, 4), -12_300))
    assert alerts_due(council_tax(late), date(2024, 12, 10)) == []


def test_the_matching_window_is_adjustable() -> None:
    late = (*PAID_TO_NOVEMBER, Payment("late", date(2024, 12, 6), -12_300))
    assert missed_occurrence(council_tax(late), date(2024, 12, 10)) == date(2024, 12, 2)
    wide = AlertSettings(working_days=4)
    assert missed_occurrence(council_tax(late), date(2024, 12, 10), wide) is None


def test_missing_income_says_it_has_not_arrived() -> None:
    salary = Watched(
        id="pay",
        label="Salary",
        direction="in",
        amount=320_000,
        currency="GBP",
        schedule=MONTHLY_25TH_PAY,
        known_on=date(2024, 6, 1),
        payments=paid_monthly(320_000, *((2024, m) for m in range(6, 11)), day=25),
    )
    [alert] = alerts_due(salary, date(2024, 11, 28))
    assert alert.message == "Salary expected on 25 Nov has not arrived"


def test_a_stopped_series_stays_quiet_after_its_first_miss() -> None:
    bill = council_tax(PAID_TO_NOVEMBER)
    # December was missed (and announced then); January is missed too: stopped.
    assert missed_occurrence(bill, date(2025, 1, 10)) is None


def test_old_history_is_not_news_on_a_first_sync() -> None:
    # Known while December's window was still open: its miss is news.
    assert alerts_due(council_tax(PAID_TO_NOVEMBER, known_on=date(2024, 12, 4)), date(2024, 12, 6))
    # Known only after it closed (the first sync brought the history): not news.
    assert not alerts_due(
        council_tax(PAID_TO_NOVEMBER, known_on=date(2024, 12, 5)), date(2024, 12, 6)
    )
    # Long after: beyond the recent window, even for a bill known for months.
    assert missed_occurrence(council_tax(PAID_TO_NOVEMBER), date(2024, 12, 30)) is None


def test_a_bill_added_by_hand_is_owed_from_its_first_due_date() -> None:
    manual = Watched(
        id="m",
        label="Gym",
        direction="out",
        amount=-3_000,
        currency="GBP",
        schedule=Schedule(Cadence.MONTHLY, date(2024, 12, 2), Roll.NEXT, day_of_month=2),
        known_on=date(2024, 11, 20),
    )
    assert missed_occurrence(manual, date(2024, 11, 29)) is None
    assert missed_occurrence(manual, date(2024, 12, 5)) == date(2024, 12, 2)


def netflix(*amounts: int) -> Watched:
    payments = tuple(
        Payment(f"n{i}", date(2024, 6 + i, 10), amount) for i, amount in enumerate(amounts)
    )
    return Watched(
        id="n",
        label="Netflix",
        direction="out",
        amount=-1_099,
        currency="GBP",
        schedule=Schedule(Cadence.MONTHLY, date(2024, 1, 10), Roll.NEXT, day_of_month=10),
        known_on=date(2024, 6, 1),
        payments=payments,
    )


def test_a_price_rise_beyond_the_tolerance_is_announced() -> None:
    bill = netflix(-1_099, -1_099, -1_299)  # the rise lands on 10 Aug
    assert price_rise(bill, date(2024, 8, 10)) == (1_099, bill.payments[-1])
    [alert] = alerts_due(bill, date(2024, 8, 11))
    assert alert.kind == RISE and alert.occurrence == "n2"
    assert alert.message == "Netflix rose from £10.99 to £12.99"


def test_a_small_step_from_a_steady_price_is_a_rise_but_drift_is_not() -> None:
    assert price_rise(netflix(-1_099, -1_099, -1_149), date(2024, 8, 12)) is not None
    # A metered bill that moves every month: a small rise is not news.
    assert price_rise(netflix(-4_000, -4_200, -4_350), date(2024, 8, 12)) is None
    assert price_rise(netflix(-1_299, -1_099), date(2024, 7, 12)) is None  # cheaper


def test_a_rise_is_news_only_while_recent_and_known() -> None:
    bill = netflix(-1_099, -1_099, -1_299)
    assert price_rise(bill, date(2024, 9, 30)) is None
    assert price_rise(bill, date(2024, 8, 11), AlertSettings(recent_days=60)) is not None
    first_sync = Watched(**{**_fields(bill), "known_on": date(2024, 8, 11)})
    assert price_rise(first_sync, date(2024, 8, 11)) is None


def test_income_rising_is_no_alert() -> None:
    pay = Watched(**{**_fields(netflix(1_099, 1_099, 2_000)), "direction": "in"})
    assert price_rise(pay, date(2024, 8, 11)) is None


def test_a_payment_far_from_any_due_date_is_not_the_bill() -> None:
    bill = netflix(-1_099, -1_099)
    extra = Watched(
        **{**_fields(bill), "payments": (*bill.payments, Payment("x", date(2024, 7, 25), -5_000))}
    )
    assert price_rise(extra, date(2024, 7, 26)) is None


def test_the_amount_tolerance_is_adjustable() -> None:
    bill = netflix(-4_000, -4_200, -4_350)
    assert price_rise(bill, date(2024, 8, 12), AlertSettings(amount_tolerance=Fraction(1, 50)))


def _fields(w: Watched) -> dict[str, object]:
    return {name: getattr(w, name) for name in Watched.__slots__}
