"""The savings goal's explanations: what moved (or why nothing did), with the goal's
progress, what it needs a month and what was safe to add today.

"£150.00 into Holiday on payday: the goal needs £1,200.00 more by 1 Jun 2027
(£150.00 a month); £420.00 was safe to add today."
"""

from __future__ import annotations

from datetime import date
from typing import Final, NamedTuple

from potwise.domain.money import Money
from potwise.domain.rules.goal.inputs import GoalConfig
from potwise.domain.rules.goal.model import Reason
from potwise.domain.rules.goal.progress import GoalProgress
from potwise.domain.rules.goal.situations import Contribution

__all__ = ["Day", "contributed", "deleted", "reached", "reached_notice", "waiting"]

_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


class Day(NamedTuple):
    """Today's figures the explanations quote beside the goal's."""

    safe_to_add: int
    available: int
    moved_today: int
    currency: str


def _fmt(pence: int, currency: str) -> str:
    return Money(pence, currency).format()


def _day(d: date) -> str:
    """``1 Jun 2027``."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _needs(progress: GoalProgress, config: GoalConfig, currency: str) -> str:
    """Where the goal stands against its date: what it needs, and by when."""
    remaining = _fmt(progress.remaining, currency)
    when = _day(config.target_date)
    if progress.date_passed:
        return (
            f"the goal's date, {when}, passed {_days(-progress.days_left)} ago "
            f"and it is {remaining} short"
        )
    if progress.days_left == 0:
        return f"the goal needs {remaining} more by today, its date"
    monthly = _fmt(progress.monthly_needed, currency)
    per = f"{monthly} a month" if progress.months_left > 1 else "all of it within the month left"
    return f"the goal needs {remaining} more by {when} ({per})"


def _holds(pot: str, progress: GoalProgress, currency: str) -> str:
    """``Holiday holds £800.00 of £2,000.00 (40%)``."""
    saved, target = _fmt(progress.saved, currency), _fmt(progress.target, currency)
    return f"{pot[:1].upper()}{pot[1:]} holds {saved} of {target} ({progress.percent_bp // 100}%)"


def contributed(
    pot: str,
    progress: GoalProgress,
    config: GoalConfig,
    contribution: Contribution,
    day: Day,
) -> str:
    """A payday contribution was made (maybe less than the month's share)."""
    safe_to_add, available, moved_today, currency = day
    amount, want = _fmt(contribution.amount, currency), contribution.want
    only = "only " if safe_to_add < want else ""
    text = (
        f"{amount} into {pot} on payday: {_needs(progress, config, currency)}; "
        f"{only}{_fmt(safe_to_add, currency)} was safe to add today."
    )
    if 0 < available < min(want, safe_to_add):
        text += f" The current account had only {_fmt(available, currency)} available."
    if contribution.amount < contribution.wanted:
        if contribution.by_daily_limit:
            which = (
                f"the {_fmt(config.max_per_day, currency)} daily limit "
                f"({_fmt(moved_today, currency)} moved earlier today)"
            )
        else:
            which = f"the {_fmt(config.max_transfer, currency)} per-transfer limit"
        held = _fmt(contribution.wanted - contribution.amount, currency)
        text += f" Capped by {which}: {held} of this payday's share waits for the next payday."
    return text


_WHY_NOT: Final = {
    Reason.TRACKING: "Automatic contributions are off: nothing moves.",
    Reason.NOT_PAYDAY: "Not payday: the next contribution is on payday.",
    Reason.ALREADY_CONTRIBUTED: "Today's payday contribution is already made.",
}


def waiting(
    pot: str,
    progress: GoalProgress,
    config: GoalConfig,
    why: Reason,
    contribution: Contribution | None,
    day: Day,
) -> str:
    """Nothing moves today, and `why` (the goal is not reached)."""
    safe_to_add, available, moved_today, currency = day
    needs = _needs(progress, config, currency)
    if contribution is None:
        safe = _fmt(safe_to_add, currency)
        return (
            f"{_holds(pot, progress, currency)}: {needs}; {safe} is safe to add today. "
            f"{_WHY_NOT[why]}"
        )
    if why is Reason.NOTHING_SAFE_TO_ADD:
        cause = "nothing is safe to add today without cutting into what is needed before payday"
    elif why is Reason.INSUFFICIENT_FUNDS:
        cause = (
            f"the current account has {_fmt(max(0, available), currency)} available "
            "(trying again on later runs today)"
        )
    else:
        cause = (
            f"today's {_fmt(config.max_per_day, currency)} limit is used up "
            f"({_fmt(moved_today, currency)} moved today)"
        )
    return f"Nothing into {pot} on payday: {cause}; {needs}."


def reached(pot: str, progress: GoalProgress, currency: str) -> str:
    """The goal is reached: nothing moves."""
    over = progress.saved - progress.target
    text = f"{_holds(pot, progress, currency)}: the goal is reached"
    if over > 0:
        text += f", {_fmt(over, currency)} over"
    return text + "; nothing moves."


def reached_notice(pot: str, progress: GoalProgress, currency: str) -> str:
    """The notice sent the first time the goal is seen reached."""
    return (
        f"Goal reached: {pot} holds {_fmt(progress.saved, currency)} "
        f"(the goal: {_fmt(progress.target, currency)})."
    )


def deleted(pot: str) -> str:
    return f"The goal's pot ({pot}) was deleted in the Monzo app → paused, nothing moved."
