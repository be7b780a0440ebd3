"""A transaction the bank dated without a time shows its date alone, in winter and summer."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from potwise.web.ui.bank_display import formatter

LONDON = ZoneInfo("Europe/London")


def test_a_date_only_row_has_no_invented_time_in_summer_or_winter() -> None:
    when = formatter(LONDON)
    summer = datetime(2026, 7, 14, tzinfo=UTC)  # 01:00 in London
    winter = datetime(2026, 11, 27, tzinfo=UTC)  # 00:00 in London
    assert when(summer, "date", date_only=True) == "14 Jul 2026"
    assert when(summer, "time", date_only=True) == ""
    assert when(summer, date_only=True) == "14 Jul 2026"
    assert when(winter, date_only=True) == "27 Nov 2026"
    assert "01:00" in when(summer)  # a real moment keeps its time
    assert when(datetime(2026, 7, 14, 12, 30, tzinfo=UTC), "time") == "13:30"


def test_a_date_only_row_keeps_the_banks_date_west_of_greenwich() -> None:
    when = formatter(ZoneInfo("America/New_York"))
    assert when(datetime(2026, 11, 27, tzinfo=UTC), "date", date_only=True) == "27 Nov 2026"
