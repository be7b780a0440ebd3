"""`potwise demo --fast-forward`: the spans it takes."""

from __future__ import annotations

import pytest

from potwise.demo_life import parse_span


@pytest.mark.parametrize(
    ("text", "days"), [("30d", 30.0), ("12h", 0.5), ("2w", 14.0), (" 1.5D ", 1.5)]
)
def test_a_span_is_read_in_days(text: str, days: float) -> None:
    assert parse_span(text) == days


@pytest.mark.parametrize("text", ["30", "1m", "0d", "400d", "-1d", "d"])
def test_anything_else_is_refused_plainly(text: str) -> None:
    with pytest.raises(ValueError, match="span"):
        parse_span(text)
