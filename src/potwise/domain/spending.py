"""Spending breakdowns: what counts as spending, calendar buckets in the user's time
zone, and folding per-bucket totals into groups people read.

What counts
    A transaction is spending when its classification is ``spending``.
    Internal movements (``internal_transfer``, ``card_repayment``,
    ``pot_move``) and ``income`` never count, and a declined transaction
    never counts. A refund is spending with a positive amount: it reduces
    spending in its category, it is not income.

Not classified yet
    Until the classifier has looked at a row, its classification is NULL.
    :func:`effective_classification` then decides conservatively by sign:
    a row carrying a Monzo pot id is a ``pot_move``; otherwise money out is
    ``spending`` and money in is ``income``. So an unclassified refund is
    read as income and an unclassified transfer to one's own account as
    spending, until the classifier says otherwise. The database query in
    ``services.insight.cells`` mirrors this rule exactly.

Amounts in breakdowns
    A group's ``amount`` is what was spent, as a positive number of minor
    units: the negation of the signed sum of its transactions, so a refund
    makes it smaller (and a month with only refunds is negative).

Buckets
    Months and days are the user's: a purchase at 23:30 UTC on 31 March is
    in April in London during British Summer Time. A :class:`Window` is a
    range of local dates ``[start, end)``; :func:`window_bounds` turns it
    into UTC instants for the database.

Nothing here reads the clock or touches storage; "today" is an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise

from potwise.domain.classify import Classification
from potwise.domain.merchants import merchant_key, merchant_name

__all__ = [
    "CARD_KINDS",
    "CASH_KINDS",
    "Breakdown",
    "Cell",
    "Classification",
    "GroupBy",
    "GroupTotal",
    "Window",
    "add_months",
    "breakdown",
    "change_percent",
    "days_label",
    "effective_classification",
    "local_midnight",
    "month_key",
    "month_label",
    "month_start",
    "months_ending",
    "previous_window",
    "window_bounds",
]

#: Account kinds whose spending is "on credit".
CARD_KINDS = frozenset({"credit_card"})
#: Account kinds whose spending is "cash" (money already the user's).
CASH_KINDS = frozenset({"current", "joint"})


class GroupBy(StrEnum):
    MONTH = "month"
    CATEGORY = "category"
    MERCHANT = "merchant"


def effective_classification(
    classification: str | None, amount: int, pot_external_id: str | None
) -> Classification:
    """The classification a row counts as, with the conservative rule for NULL.

    A classification the classifier (or the user) set wins. Without one: a
    row naming a Monzo pot is a pot move; money out is spending; money in
    (and zero) is income.
    """
    if classification is not None:
        return Classification(classification)
    if pot_external_id is not None:
        return Classification.POT_MOVE
    if amount < 0:
        return Classification.SPENDING
    return Classification.INCOME


# -- calendar buckets --------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Window:
    """Local calendar dates ``[start, end)`` in the user's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(f"a window must end after it starts: {self.start} → {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    @property
    def is_months(self) -> bool:
        """True when the window is a whole number of calendar months."""
        return self.start.day == 1 and self.end.day == 1


def month_start(day: date) -> date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(first: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``first``'s month."""
    index = first.year * 12 + (first.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def months_ending(last_month: date, count: int) -> list[Window]:
    """``count`` calendar months, oldest first, the last being ``last_month``'s month."""
    if count < 1:
        raise ValueError("count must be at least 1")
    first = add_months(month_start(last_month), -(count - 1))
    return [Window(add_months(first, i), add_months(first, i + 1)) for i in range(count)]


def previous_window(window: Window) -> Window:
    """The window to compare ``window`` with, like with like: as many whole months when
    ``window`` is whole months (so "March" is compared with "February"); the same days
    of the month before when it is the start of one month (1-6 December, a month so
    far, is compared with 1-6 November, not with the whole of November); else as many
    days just before."""
    if window.is_months:
        months = (window.end.year - window.start.year) * 12 + window.end.month
        months -= window.start.month
        return Window(add_months(window.start, -months), window.start)
    if window.start.day == 1 and window.end <= add_months(window.start, 1):
        before = add_months(window.start, -1)
        return Window(before, min(before + timedelta(days=window.days), window.start))
    return Window(window.start - timedelta(days=window.days), window.start)


def days_label(window: Window) -> str:
    """``1-6 Nov``, ``28 Nov-3 Dec`` (with an en dash) or ``Nov 2026`` (a whole month):
    the days of a window as people say them."""
    last = window.end - timedelta(days=1)
    if window.is_months and add_months(window.start, 1) == window.end:
        return month_label(window.start)
    if (window.start.year, window.start.month) == (last.year, last.month):
        if window.start == last:
            return f"{last.day} {last:%b}"
        return f"{window.start.day}\u2013{last.day} {last:%b}"
    return f"{window.start.day} {window.start:%b}\u2013{last.day} {last:%b}"


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def window_bounds(window: Window, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of a local window."""
    return local_midnight(window.start, zone), local_midnight(window.end, zone)


def month_key(day: date) -> str:
    """``2026-04`` for any day in April 2026."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(day: date) -> str:
    """``Apr 2026``: how a month is written for people."""
    return day.strftime("%b %Y")


def change_percent(current: int, previous: int) -> int | None:
    """Change from ``previous`` to ``current`` in whole percent (half to even), or None
    when there is nothing to compare with (previous is zero or negative)."""
    if previous <= 0:
        return None
    numerator = (current - previous) * 100
    quotient, remainder = divmod(numerator, previous)
    twice = 2 * remainder
    if twice > previous or (twice == previous and quotient % 2 == 1):
        quotient += 1
    return quotient


# -- folding aggregated rows into groups -------------------------------------------


@dataclass(frozen=True, slots=True)
class Cell:
    """One aggregated row from storage: the spending of one group in one bucket, on one
    kind of account, pending or not.

    ``bucket`` indexes the windows given to :func:`breakdown`. ``amount`` is the
    signed sum (user view: purchases negative, refunds positive); ``refunds`` the
    sum of the positive ones; ``label`` a display name for the key, if known.
    """

    bucket: int
    key: str | None
    account_kind: str
    pending: bool
    amount: int
    count: int
    refunds: int = 0
    label: str | None = None


@dataclass(slots=True)
class GroupTotal:
    """What was spent in one group (a month, a category, a merchant).

    ``amount`` is spent (positive; refunds reduce it). ``card`` and ``cash``
    split it by where it was spent (credit cards vs current and joint accounts;
    ``other`` holds anything else, such as a savings account). ``pending_*``
    is the part not yet settled, already included in ``amount``. ``previous``
    is the same group in the window before, and ``change`` the difference (None
    when there was no comparison).
    """

    key: str
    label: str
    amount: int = 0
    count: int = 0
    refunds: int = 0
    pending_amount: int = 0
    pending_count: int = 0
    card: int = 0
    cash: int = 0
    other: int = 0
    previous: int | None = None
    change: int | None = None
    change_percent: int | None = None

    def add(self, cell: Cell) -> None:
        spent = -cell.amount
        self.amount += spent
        self.count += cell.count
        self.refunds += cell.refunds
        if cell.pending:
            self.pending_amount += spent
            self.pending_count += cell.count
        if cell.account_kind in CARD_KINDS:
            self.card += spent
        elif cell.account_kind in CASH_KINDS:
            self.cash += spent
        else:
            self.other += spent

    def compare(self, previous: int) -> None:
        self.previous = previous
        self.change = self.amount - previous
        self.change_percent = change_percent(self.amount, previous)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Spending in ``window`` grouped by month, category or merchant, with the total,
    the window before it for comparison, and the top merchants when known."""

    group_by: GroupBy
    currency: str
    window: Window
    previous_window: Window
    groups: list[GroupTotal]
    total: GroupTotal
    top_merchants: list[GroupTotal] = field(default_factory=list)


UNCATEGORISED = "uncategorised"


def _label_for(group_by: GroupBy, key: str, label: str | None) -> str:
    if group_by is GroupBy.CATEGORY:
        if key == UNCATEGORISED:
            return "Uncategorised"
        return (label or key).replace("_", " ").capitalize()
    if group_by is GroupBy.MERCHANT and key != UNCATEGORISED:
        return merchant_name(merchant_key(key))
    return label or key


def breakdown(
    cells: Iterable[Cell],
    *,
    group_by: GroupBy,
    currency: str,
    windows: Sequence[Window],
    top: int = 10,
    compare: bool = True,
) -> Breakdown:
    """Fold aggregated rows into a breakdown.

    For ``MONTH``, ``windows`` are consecutive months, the first being the month
    before the range (for its change): every month of the range gets a group,
    empty ones too, so a chart has a bar for each. For ``CATEGORY`` and
    ``MERCHANT``, ``windows`` are ``[previous, current]``; groups are the keys
    with spending in either window, largest first, and ``top`` merchants are the
    largest ``MERCHANT`` groups (empty otherwise). With ``compare`` off, the
    previous window was not looked at: groups carry no comparison.
    """
    if len(windows) < 2:
        raise ValueError("a breakdown needs the previous window and at least one more")
    window = Window(windows[1].start, windows[-1].end)
    total = GroupTotal(key="total", label="Total")
    previous_total = GroupTotal(key="total", label="Total")
    if group_by is GroupBy.MONTH:
        groups = _by_month(cells, windows, total, previous_total)
        # A run of months compared with the single month before it says little:
        # the total carries a comparison only when the range is one month.
        comparable = len(windows) == 2
    else:
        groups = _by_key(cells, group_by, total, previous_total, compare=compare)
        comparable = compare
    if comparable:
        total.compare(previous_total.amount)
    top_merchants = (
        [g for g in groups if g.amount > 0][:top] if group_by is GroupBy.MERCHANT else []
    )
    return Breakdown(
        group_by=group_by,
        currency=currency,
        window=window,
        previous_window=windows[0],
        groups=groups,
        total=total,
        top_merchants=top_merchants,
    )


def _by_month(
    cells: Iterable[Cell],
    windows: Sequence[Window],
    total: GroupTotal,
    previous_total: GroupTotal,
) -> list[GroupTotal]:
    """A group for every month of the range, empty ones too, each compared with the
    month before it; the first window is only the comparison for the second."""
    months = [GroupTotal(key=month_key(w.start), label=month_label(w.start)) for w in windows]
    for cell in cells:
        if 0 <= cell.bucket < len(months):
            months[cell.bucket].add(cell)
            (total if cell.bucket > 0 else previous_total).add(cell)
    for before, month in pairwise(months):
        month.compare(before.amount)
    return months[1:]


def _by_key(
    cells: Iterable[Cell],
    group_by: GroupBy,
    total: GroupTotal,
    previous_total: GroupTotal,
    *,
    compare: bool,
) -> list[GroupTotal]:
    """The keys with spending in the range (bucket 1), largest first, each compared
    with the same key in the range before (bucket 0) when ``compare``."""
    current: dict[str, GroupTotal] = {}
    earlier: dict[str, GroupTotal] = {}
    for cell in cells:
        if cell.bucket not in (0, 1):
            continue
        key = cell.key if cell.key is not None else UNCATEGORISED
        into = current if cell.bucket == 1 else earlier
        group = into.get(key)
        if group is None:
            group = into[key] = GroupTotal(key=key, label=_label_for(group_by, key, cell.label))
        group.add(cell)
        (total if cell.bucket == 1 else previous_total).add(cell)
    if compare:
        for key, group in current.items():
            group.compare(earlier[key].amount if key in earlier else 0)
    return sorted(current.values(), key=lambda g: (-g.amount, g.label.lower(), g.key))
