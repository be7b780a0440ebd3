"""Series: a group's payments that follow one schedule, found whole or by amount band.

The whole group first: if its dates follow one cadence and its amounts move
only in a few steps (price rises), it is one series. Otherwise the group is
cut into amount bands, each band fitted on its own, and a band that carries
a fitted series on right where it stopped (a step price rise at a payee
with other payments) is appended to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from potwise.domain.calendar import UKCalendar
from potwise.domain.recurring.amounts import amount_bands, jumps, without_blips
from potwise.domain.recurring.cadences import tolerance_days, too_dense
from potwise.domain.recurring.fitting import Fit, best_fit, match_schedule
from potwise.domain.recurring.model import BY_DATE, DATE_OF, DetectionSettings, Mandate, TxnFact
from potwise.domain.schedules import occurrence_ordinals


def _days(facts: Sequence[TxnFact]) -> list[int]:
    """The facts' dates as ordinals (``date.toordinal()``): detection's arithmetic on days."""
    return list(map(date.toordinal, map(DATE_OF, facts)))


@dataclass(slots=True)
class Series:
    facts: list[TxnFact]
    fit: Fit
    extra: int = 0  # observed but unmatched payments in the group
    mandate: Mandate | None = field(default=None)

    @property
    def matched(self) -> list[TxnFact]:
        return [self.facts[i] for i in self.fit.matched]


def _series_from(facts: list[TxnFact], calendar: UKCalendar, min_n: int) -> Series | None:
    if len(facts) < min_n or too_dense(facts[0].on, facts[-1].on, len(facts)):
        return None  # (the second test is best_fit's first, before listing thousands of dates)
    fit = best_fit([f.on for f in facts], facts[0].amount > 0, calendar)
    if fit is None or len(fit.matched) < min_n:
        return None
    m = len(fit.matched)
    if m * 4 < fit.expected * 3 or m * 10 < len(facts) * 6:
        return None
    return Series(facts, fit)


def _extend(series: Series, band: list[TxnFact], calendar: UKCalendar) -> Series | None:
    """``series`` followed by ``band`` if the band continues it right where it stopped."""
    last = series.matched[-1].on
    if band[0].on <= last:
        return None
    tol = tolerance_days(series.fit.schedule.cadence)
    upcoming = occurrence_ordinals(
        series.fit.schedule,
        last.toordinal() + tol + 1,
        band[-1].on.toordinal() + tol,
        calendar,
    )
    if len(upcoming) < len(band):
        return None
    for fact, expected in zip(band, upcoming, strict=False):
        if abs(fact.on.toordinal() - expected) > tol:
            return None
    facts = sorted([*series.matched, *band], key=BY_DATE)
    fit = match_schedule(series.fit.schedule, _days(facts), calendar, tol)
    if len(fit.matched) != len(facts):
        return None
    return Series(facts, fit)


def _as_one(
    whole: Series, facts: list[TxnFact], settings: DetectionSettings, calendar: UKCalendar
) -> Series | None:
    """The whole group as one series, one-off blips left out, when its amounts move only
    in a few steps."""
    matched = without_blips(whole.matched, settings.amount_tolerance)
    if jumps(matched, settings.amount_tolerance) > max(1, len(matched) // 6):
        return None
    schedule = whole.fit.schedule
    fit = match_schedule(schedule, _days(matched), calendar, tolerance_days(schedule.cadence))
    if len(fit.matched) < settings.min_occurrences:
        return None
    return Series(matched, fit, extra=len(facts) - len(matched))


# A band of a group, with the series fitted to it (None when it follows no schedule).
_Piece = tuple[list[TxnFact], Series | None]


def _pieces(
    facts: list[TxnFact],
    whole: Series | None,
    settings: DetectionSettings,
    calendar: UKCalendar,
) -> list[_Piece]:
    """The group's amount bands, each fitted on its own, in order of their first date."""
    found: list[Series] = []
    leftovers: list[list[TxnFact]] = []
    for band in amount_bands(facts, settings.amount_tolerance):
        # One band of the whole group (a shop's spread of prices, most often): its fit
        # is the one just made of the same facts.
        series = whole if band == facts else _series_from(band, calendar, settings.min_occurrences)
        if series is None:
            leftovers.append(band)
        else:
            found.append(series)
    pieces: list[_Piece] = [
        *((s.matched, s) for s in found),
        *((band, None) for band in leftovers),
    ]
    pieces.sort(key=lambda p: BY_DATE(p[0][0]))
    return pieces


def _joined(pieces: Sequence[_Piece], calendar: UKCalendar) -> list[Series]:
    """Step price rises at a payee that also takes other payments: a band that
    carries a fitted series on right where it stopped joins it."""
    used = [False] * len(pieces)
    merged: list[Series] = []
    for i, (_, series) in enumerate(pieces):
        if used[i] or series is None:
            continue
        used[i] = True
        current = series
        for j in range(i + 1, len(pieces)):
            if used[j]:
                continue
            longer = _extend(current, pieces[j][0], calendar)
            if longer is not None:
                used[j] = True
                current = longer
        merged.append(current)
    return merged


def group_series(
    facts: list[TxnFact], settings: DetectionSettings, calendar: UKCalendar
) -> list[Series]:
    """The series in one group (one payee, one direction; sorted by date)."""
    whole = _series_from(facts, calendar, settings.min_occurrences)
    if whole is not None:
        one = _as_one(whole, facts, settings, calendar)
        if one is not None:
            return [one]
    return _joined(_pieces(facts, whole, settings, calendar), calendar)
