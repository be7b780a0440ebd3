"""How far a savings goal has come, and what it still needs a month: pure, for the
decision and for any page that shows a goal."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from potwise.domain.rules.goal.inputs import GoalConfig, is_day, whole
from potwise.domain.rules.goal.model import InvalidGoalInput

__all__ = ["GoalProgress", "goal_progress", "whole_months"]


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """A goal on one day.

    ``percent_bp`` is what is saved, in basis points of the target, rounded
    down (a goal shows 100% only once it is reached) and at most 10000.
    ``months_left`` counts whole months from today to the target date, at least
    1 while the date is ahead and 0 from the date on; ``monthly_needed`` spreads
    ``remaining`` over them, rounded up to the penny (so the last month is never
    short), and is ``remaining`` itself once no month is left. ``days_left`` is
    negative once the date has passed."""

    saved: int
    target: int
    remaining: int
    percent_bp: int
    months_left: int
    monthly_needed: int
    days_left: int
    reached: bool
    date_passed: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-safe, for the run's figures."""
        return {
            "saved": self.saved,
            "target": self.target,
            "remaining": self.remaining,
            "percent_bp": self.percent_bp,
            "months_left": self.months_left,
            "monthly_needed": self.monthly_needed,
            "days_left": self.days_left,
            "reached": self.reached,
            "date_passed": self.date_passed,
        }


def _add_months(day: date, months: int) -> date:
    """`day` moved on `months` months, on the month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end: date) -> int:
    """The whole months from `start` to `end` (0 when `end` is not after `start`):
    1 Mar to 1 Jun is 3, 3 Mar to 1 Jun is 2, 31 Jan to 28 Feb is 1."""
    if end <= start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and _add_months(start, months) > end:
        months -= 1
    return months


def goal_progress(config: GoalConfig, pot_balance: int, today: date) -> GoalProgress:
    """The goal of `config` with `pot_balance` pence saved, on `today` (a local date)."""
    if not whole(pot_balance) or pot_balance < 0:
        raise InvalidGoalInput(f"a pot balance is whole pence >= 0: {pot_balance!r}")
    if not is_day(today):
        raise InvalidGoalInput("today must be a date")
    target = config.target_amount
    remaining = max(0, target - pot_balance)
    ahead = config.target_date > today
    months = max(1, whole_months(today, config.target_date)) if ahead else 0
    monthly = -(-remaining // months) if months else remaining  # rounded up
    return GoalProgress(
        saved=pot_balance,
        target=target,
        remaining=remaining,
        percent_bp=min(10_000, pot_balance * 10_000 // target),
        months_left=months,
        monthly_needed=monthly,
        days_left=(config.target_date - today).days,
        reached=remaining == 0,
        date_passed=config.target_date < today,
    )
