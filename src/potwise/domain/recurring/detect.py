"""Detection: every commitment in a user's history, as of a day."""

from __future__ import annotations

import itertools
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from fractions import Fraction

from potwise.domain.calendar import DEFAULT_CALENDAR, UKCalendar
from potwise.domain.recurring.cadences import too_dense
from potwise.domain.recurring.model import (
    AMOUNT_OF,
    BY_DATE,
    DATE_OF,
    DetectedCommitment,
    DetectionSettings,
    Mandate,
    TxnFact,
)
from potwise.domain.recurring.results import commitment_from, mandate_for
from potwise.domain.recurring.series import group_series

# One payee's facts in one direction ("in" or "out"), keyed by (payee, direction).
_Group = tuple[tuple[str, str], list[TxnFact]]


def _hopeless(group: list[TxnFact], tolerance: Fraction, today: date) -> bool:
    """True when a group (in any order) can hold no series, so need not be sorted.

    That is when the whole group is too dense for any cadence (:func:`too_dense`
    from its first and last dates) and its sizes make one band: then the only band is
    the whole group again, and :func:`group_series` would find nothing. Most large
    shop groups are such: paid several times a week, at prices with no gap between
    them over the tolerance.
    """
    count, first = len(group), min(map(DATE_OF, group))
    # No fact is after today (those were left out), so today bounds the span: for a
    # shop with thousands of payments that is enough, without a pass for the last.
    if not (too_dense(first, today, count) or too_dense(first, max(map(DATE_OF, group)), count)):
        return False
    # One band: no neighbouring sizes a < b with (b - a) * den > a * num, that is
    # b * den > a * (num + den); the same test as cutting the bands (amounts), in C-level
    # iterators over the tens of thousands of rows of the shop groups.
    sizes = sorted(map(abs, map(AMOUNT_OF, group)))
    num, den = tolerance.numerator, tolerance.denominator
    return not any(
        map(
            operator.gt,
            map(operator.mul, sizes[1:], itertools.repeat(den)),
            map(operator.mul, sizes, itertools.repeat(num + den)),
        )
    )


def _groups(facts: Iterable[TxnFact], today: date, excluded: frozenset[str]) -> list[_Group]:
    """Facts by payee and direction, ordered by both; internal movements, facts after
    ``today`` and facts without an amount or a payee left out."""
    money_in: dict[str, list[TxnFact]] = defaultdict(list)
    money_out: dict[str, list[TxnFact]] = defaultdict(list)
    for fact in facts:
        amount = fact.amount
        if not amount or fact.classification in excluded or fact.on > today or not fact.payee:
            continue
        (money_in if amount > 0 else money_out)[fact.payee].append(fact)
    return sorted(
        [
            *(((payee, "in"), group) for payee, group in money_in.items()),
            *(((payee, "out"), group) for payee, group in money_out.items()),
        ],
        key=operator.itemgetter(0),
    )


def _numbered(results: list[DetectedCommitment]) -> list[DetectedCommitment]:
    """Ordered by key; a key taken before gets its count (``out:gym:monthly:1:2``)."""
    results.sort(key=lambda c: (c.key, c.first_date, c.evidence))
    seen: Counter[str] = Counter()
    unique: list[DetectedCommitment] = []
    for commitment in results:
        seen[commitment.key] += 1
        count = seen[commitment.key]
        unique.append(
            commitment if count == 1 else replace(commitment, key=f"{commitment.key}:{count}")
        )
    return unique


def detect_commitments(
    facts: Iterable[TxnFact],
    today: date,
    *,
    mandates: Sequence[Mandate] = (),
    settings: DetectionSettings | None = None,
    calendar: UKCalendar = DEFAULT_CALENDAR,
) -> list[DetectedCommitment]:
    """Find recurring payments and income in ``facts``, as of ``today``.

    Returns commitments with a confidence of at least
    ``settings.min_confidence``, ordered by key. The result does not depend
    on the order of ``facts`` or ``mandates``.
    """
    settings = settings or DetectionSettings()
    ordered_mandates = sorted(mandates, key=lambda m: m.id)
    results: list[DetectedCommitment] = []
    for (payee, direction), group in _groups(facts, today, settings.excluded_classifications):
        if len(group) < settings.min_occurrences:
            continue
        if _hopeless(group, settings.amount_tolerance, today):
            continue
        group.sort(key=BY_DATE)
        for series in group_series(group, settings, calendar):
            mandate = mandate_for(series, payee, ordered_mandates) if direction == "out" else None
            result = commitment_from(series, payee, direction, today, mandate, calendar)
            if result.confidence >= settings.min_confidence:
                results.append(result)
    return _numbered(results)
