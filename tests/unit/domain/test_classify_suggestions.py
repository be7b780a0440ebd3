"""Suggestions learned from the user's own re-categorisations."""

from __future__ import annotations

from datetime import timedelta

from potwise.domain.classify import (
    MerchantTxn,
    suggest,
    suggestion_key,
)
from tests.unit.domain.classify_builders import (
    T0,
    rule,
)

# --- learned suggestions -------------------------------------------------------------------


def history(*sources: tuple[str, str | None]) -> list[MerchantTxn]:
    return [
        MerchantTxn(f"h{i}", T0 + timedelta(days=i), category, source, "Tesco")
        for i, (category, source) in enumerate(sources)
    ]


def test_three_of_the_last_five_chosen_by_the_user_make_a_suggestion() -> None:
    items = history(
        ("groceries", "provider"),
        ("groceries", "provider"),
        ("household", "user"),
        ("groceries", "provider"),
        ("household", "user"),
        ("household", "user"),
    )
    [s] = suggest({"tesco": items}, [], frozenset())
    assert (s.merchant_key, s.category, s.chosen, s.merchant) == ("tesco", "household", 3, "Tesco")
    assert s.to_change == 3
    assert set(s.evidence) == {"h2", "h4", "h5"}


def test_two_choices_are_not_enough_and_old_choices_fall_out_of_the_window() -> None:
    items = history(
        ("household", "user"),
        ("household", "user"),
        ("groceries", "provider"),
        ("groceries", "provider"),
        ("groceries", "provider"),
        ("household", "user"),
        ("household", "user"),
    )
    assert suggest({"tesco": items}, [], frozenset()) == []


def test_a_dismissed_suggestion_is_never_offered_again() -> None:
    items = history(*[("household", "user")] * 3)
    assert suggest({"tesco": items}, [], frozenset({suggestion_key("tesco", "household")})) == []


def test_no_suggestion_once_a_rule_does_it() -> None:
    items = history(*[("household", "user")] * 3)
    covering = rule("household", merchant_key="tesco")
    narrower = rule("household", merchant_key="tesco", account_id="amex")
    assert suggest({"tesco": items}, [covering], frozenset()) == []
    assert len(suggest({"tesco": items}, [narrower], frozenset())) == 1
