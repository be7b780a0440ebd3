"""Card repayment models prefer the provider's statement and due date to history."""

from __future__ import annotations

from datetime import date

from potwise.domain.cardmodels import CardModel, CardState, RepaymentMode, repayment_events

TODAY = date(2025, 3, 4)
UNTIL = date(2025, 5, 31)
# Repaid on the 5th for half a year: what history alone would say.
REPAID_ON_THE_5TH = (*(date(2024, m, 5) for m in range(9, 13)), date(2025, 1, 6), date(2025, 2, 5))


def barclaycard(**kw: object) -> CardState:
    values: dict[str, object] = {
        "card_id": "card",
        "owed": 87_235,
        "statement_balance": 61_108,
        "statement_date": date(2025, 2, 19),
        "due_date": date(2025, 3, 17),
        "minimum_due": 2_500,
        "repayment_dates": REPAID_ON_THE_5TH,
    }
    values.update(kw)
    return CardState(**values)  # type: ignore[arg-type]


def plan(mode: RepaymentMode, state: CardState, **kw: object) -> list[tuple[date, int]]:
    model = CardModel("card", "Card", mode, "current", **kw)  # type: ignore[arg-type]
    return [(e.on, e.amount) for e in repayment_events(model, state, TODAY, UNTIL)]


def test_pay_in_full_pays_the_statement_on_the_providers_due_date() -> None:
    events = plan(RepaymentMode.PAY_IN_FULL, barclaycard())
    assert events == [(date(2025, 3, 17), -61_108), (date(2025, 4, 17), -(87_235 - 61_108))]


def test_without_provider_dates_history_decides() -> None:
    state = barclaycard(statement_balance=None, statement_date=None, due_date=None)
    assert plan(RepaymentMode.PAY_IN_FULL, state) == [(date(2025, 3, 5), -87_235)]


def test_pay_down_starts_with_the_providers_minimum() -> None:
    events = plan(RepaymentMode.MINIMUM, barclaycard())
    assert events[0] == (date(2025, 3, 17), -2_500)
    # The same day in later months (Saturday 17 May is collected on Monday the 19th).
    assert [on for on, _ in events] == [date(2025, 3, 17), date(2025, 4, 17), date(2025, 5, 19)]


def test_the_users_own_due_day_beats_the_provider() -> None:
    events = plan(RepaymentMode.PAY_IN_FULL, barclaycard(), due_day=25)
    assert events[0][0] == date(2025, 3, 25)


def test_amex_pays_its_statement_on_the_due_day_found_in_history() -> None:
    amex = barclaycard(due_date=None, minimum_due=None)
    events = plan(RepaymentMode.PAY_IN_FULL, amex)
    assert events == [(date(2025, 3, 5), -61_108), (date(2025, 4, 7), -(87_235 - 61_108))]


def test_amex_repaid_since_its_statement_owes_what_is_left() -> None:
    amex = barclaycard(
        due_date=None, minimum_due=None, repayment_dates=(*REPAID_ON_THE_5TH, date(2025, 3, 3))
    )
    assert plan(RepaymentMode.PAY_IN_FULL, amex)[0][1] == -87_235
