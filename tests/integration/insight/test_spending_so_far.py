"""This month, a few days in, is compared with the same days of last month, on the
page and in the API, and the words say so."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from potwise import clock
from tests.integration.conftest import SignedIn
from tests.integration.insight.builders import Household

SIX_DAYS_IN = datetime(2026, 12, 6, 12, tzinfo=UTC)


def _household(db: Session, user_id: str) -> None:
    h = Household.of(db, user_id)
    h.add(datetime(2026, 11, 2, 9, tzinfo=UTC), -5_000, merchant="Tesco")
    h.add(datetime(2026, 11, 5, 9, tzinfo=UTC), -3_000, merchant="Pret", category="eating_out")
    # Later in November: not among the same days, so not compared with.
    h.add(datetime(2026, 11, 20, 9, tzinfo=UTC), -200_000, merchant="Tesco")
    h.add(datetime(2026, 12, 2, 9, tzinfo=UTC), -6_000, merchant="Tesco")
    h.add(datetime(2026, 12, 4, 9, tzinfo=UTC), -4_000, merchant="Pret", category="eating_out")


def test_this_month_is_compared_with_the_same_days_of_last_month(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice.user_id)
    with clock.using(clock.FixedClock(SIX_DAYS_IN)):
        page = alice.client.get("/spending").text
        november = alice.client.get("/spending", params={"month": "2026-11"}).text
    assert 'data-testid="month-total">£100.00<' in page
    # £100 against £80 on 1-6 Nov: up £20 (+25%), not down against the whole of November.
    assert "Against 1\u20136 Nov" in page
    change = page[page.index('data-testid="month-change"') :][:300]
    assert "+£20.00 (+25%)" in change
    assert "1\u20136 Dec so far, against the same days of last month" in page
    assert "\u2212£" not in change and "-£" not in change
    # A past month is still compared with the whole month before it.
    assert "Against Oct 2026" in november and 'data-testid="month-total">£2,080.00<' in november


def test_api_compares_a_month_so_far_with_the_same_days_and_says_which(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice.user_id)
    with clock.using(clock.FixedClock(SIX_DAYS_IN)):
        answer = alice.client.get(
            "/api/v1/analytics/spending",
            params={"group_by": "category", "since": "2026-12-01", "until": "2026-12-07"},
        ).json()
    assert (answer["previous_since"], answer["previous_until"]) == ("2026-11-01", "2026-11-07")
    assert answer["totals"]["amount"] == 10_000 and answer["totals"]["previous"] == 8_000
    assert answer["totals"]["change"] == 2_000


def test_api_by_month_compares_the_running_month_with_the_same_days(
    alice: SignedIn, db: Session
) -> None:
    _household(db, alice.user_id)
    with clock.using(clock.FixedClock(SIX_DAYS_IN)):
        answer = alice.client.get("/api/v1/analytics/spending").json()
    december = answer["groups"][-1]
    assert december["key"] == "2026-12" and december["amount"] == 10_000
    assert (december["previous"], december["change"], december["change_percent"]) == (
        8_000,
        2_000,
        25,
    )
    assert answer["month_so_far"] == {
        "month": "2026-12",
        "since": "2026-12-01",
        "until": "2026-12-07",
        "previous_since": "2026-11-01",
        "previous_until": "2026-11-07",
    }
    # November, a whole month, is still compared with the whole of October.
    assert answer["groups"][-2]["amount"] == 208_000 and answer["groups"][-2]["previous"] == 0
