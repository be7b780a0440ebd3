"""Amounts: how close two amounts are, price changes, one-off blips and amount bands.

A group's amounts are cut into bands wherever two neighbouring amounts
differ by more than the tolerance (10 % by default); a series' step changes
(price rises) are the new amounts the next payment keeps.
"""

from __future__ import annotations

import itertools
import operator
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction

from potwise.domain.recurring.model import AMOUNT_OF, BY_DATE, ID_OF, AmountChange, TxnFact


def close(a: int, b: int, tolerance: Fraction) -> bool:
    """``b`` is within ``tolerance`` (a share of ``a``) of ``a``; integer arithmetic."""
    return abs(a - b) * tolerance.denominator <= abs(a) * tolerance.numerator


def _near(tolerance: Fraction) -> Callable[[int, int], bool]:
    """:func:`close` with ``tolerance`` fixed: its terms are read once (a Fraction's are
    properties), for the loops over every payment of every series."""
    num, den = tolerance.numerator, tolerance.denominator

    def near(a: int, b: int) -> bool:
        return abs(a - b) * den <= abs(a) * num

    return near


def close_steps(amounts: Sequence[int], tolerance: Fraction) -> Iterator[bool]:
    """:func:`close` of each amount and the next, ``len(amounts) - 1`` answers; C-level
    iterators, as most series' amounts never move."""
    num, den = tolerance.numerator, tolerance.denominator
    return map(
        operator.le,
        map(operator.mul, map(abs, map(operator.sub, amounts, amounts[1:])), itertools.repeat(den)),
        map(operator.mul, map(abs, amounts), itertools.repeat(num)),
    )


_ONE_PERCENT = Fraction(1, 100)
_WITHIN_ONE_PERCENT = _near(_ONE_PERCENT)
TWO_PERCENT = Fraction(1, 50)


def amount_changes(facts: Sequence[TxnFact]) -> tuple[AmountChange, ...]:
    """Step changes: a new amount (more than 1 % away) that the next payment keeps."""
    level = facts[0].amount
    amounts = list(map(AMOUNT_OF, facts))
    # Every amount within 1 % of the first: the loop below would pass over them all.
    farthest = max(max(amounts) - level, level - min(amounts))
    if farthest * _ONE_PERCENT.denominator <= abs(level) * _ONE_PERCENT.numerator:
        return ()
    near = _WITHIN_ONE_PERCENT
    out: list[AmountChange] = []
    for index, fact in enumerate(facts[1:], start=1):
        if near(level, fact.amount):
            continue
        held = index == len(facts) - 1 or near(fact.amount, facts[index + 1].amount)
        if held:
            out.append(AmountChange(fact.on, level, fact.amount, fact.id))
            level = fact.amount
    return tuple(out)


def jumps(facts: Sequence[TxnFact], tolerance: Fraction) -> int:
    return list(close_steps(list(map(AMOUNT_OF, facts)), tolerance)).count(False)


_ONE_OFF = Fraction(1, 4)
_WITHIN_ONE_OFF = _near(_ONE_OFF)


def without_blips(facts: list[TxnFact], tolerance: Fraction) -> list[TxnFact]:
    """Drop one-off amounts on a series' dates: more than a quarter away from both
    neighbours (which agree), or the first payment when more than a quarter away from the
    next two (which agree). The last payment is kept: a new amount there is more likely a
    price rise than a one-off."""
    # No payment more than a quarter away from the next one: every test below fails
    # on its first term (one_off of a payment and the next).
    if all(close_steps(list(map(AMOUNT_OF, facts)), _ONE_OFF)):
        return list(facts)
    near, one_off = _near(tolerance), _WITHIN_ONE_OFF
    keep: list[TxnFact] = []
    for index, fact in enumerate(facts):
        before = facts[index - 1] if index > 0 else None
        after = facts[index + 1] if index + 1 < len(facts) else None
        if before is not None and after is not None:
            blip = (
                not one_off(before.amount, fact.amount)
                and not one_off(fact.amount, after.amount)
                and near(before.amount, after.amount)
            )
        elif before is None and after is not None and index + 2 < len(facts):
            # A first payment a little below the rest is the old price before a rise;
            # far off (over a quarter), it is a one-off such as an opening transfer.
            blip = not one_off(fact.amount, after.amount) and near(
                after.amount, facts[index + 2].amount
            )
        else:
            blip = False
        if not blip:
            keep.append(fact)
    return keep


def amount_bands(facts: list[TxnFact], tolerance: Fraction) -> list[list[TxnFact]]:
    """``facts`` (a group, in date order) cut by size wherever neighbouring sizes are not
    close, each band in date order, the bands by size."""
    # A group's facts all have the same sign, so the sizes' differences and ratios are
    # the amounts' (what close() compares), and equal sizes are always close: a band
    # is every fact whose size lies in its range of sizes, found by sorting sizes alone.
    starts = _band_starts(facts, tolerance)
    ids = list(map(ID_OF, facts))
    if any(map(operator.eq, ids, ids[1:])):
        # Two facts with the same id (and maybe the same date): their order within a
        # band would be their order by size, as the sort below gives.
        return _bands_sorting(facts, tolerance)
    # Otherwise no two facts share a (date, id), so a band read off the group in its
    # order is in date order, as sorting it by (date, id) would leave it.
    if not starts:
        return [list(facts)]
    bands: list[list[TxnFact]] = [[] for _ in range(len(starts) + 1)]
    for fact in facts:
        bands[bisect_right(starts, abs(fact.amount))].append(fact)
    return bands


def _band_starts(facts: Sequence[TxnFact], tolerance: Fraction) -> list[int]:
    """The sizes (absolute amounts) at which a new band starts, smallest first."""
    sizes = sorted(map(abs, map(AMOUNT_OF, facts)))
    # close(previous, size) with the tolerance's terms: this runs for every row of
    # the large shop groups, most of which are one band.
    num, den = tolerance.numerator, tolerance.denominator
    return [
        size
        for previous, size in itertools.pairwise(sizes)
        if (size - previous) * den > previous * num
    ]


def _bands_sorting(facts: Sequence[TxnFact], tolerance: Fraction) -> list[list[TxnFact]]:
    by_size = sorted(facts, key=lambda f: (abs(f.amount), f.on, f.id))
    bands: list[list[TxnFact]] = [[by_size[0]]]
    for fact in by_size[1:]:
        if close(bands[-1][-1].amount, fact.amount, tolerance):
            bands[-1].append(fact)
        else:
            bands.append([fact])
    return [sorted(band, key=BY_DATE) for band in bands]
