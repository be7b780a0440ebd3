"""The salary sorter's explanations: one sentence for the sort, with every step's
figure and why a step moved less than it asked, then what stays in the current
account; and the short reasons shown beside each transfer.

"Salary £2,450.00 from ACME LTD sorted: £800.00 to Bills (tops it up to the
£800.00 due before payday on Fri 25 Dec), 10% (£245.00) to Savings, the rest
£1,405.00 to Spending."
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from potwise.domain.money import Money
from potwise.domain.rules.autosort.inputs import AutosortConfig, IncomeCredit
from potwise.domain.rules.autosort.model import Income, StepKind, StepOutcome
from potwise.domain.rules.autosort.state import AutosortState

__all__ = [
    "already_sorted",
    "deleted_notice",
    "move_reason",
    "percent_text",
    "sort_text",
]

_DAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def _fmt(pence: int, currency: str) -> str:
    return Money(pence, currency).format()


def percent_text(bp: int) -> str:
    """Basis points as people write them: ``10%``, ``33.33%``, ``12.5%``."""
    whole, frac = divmod(bp, 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"


def _payday(next_payday: date | None) -> str:
    """``payday on Fri 25 Dec`` (``the next payday`` when it is not known)."""
    if next_payday is None:
        return "the next payday"
    d = next_payday
    return f"payday on {_DAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]}"


def _head(config: AutosortConfig, credit: IncomeCredit, currency: str) -> str:
    """``Salary £2,450.00 from ACME LTD``."""
    label = "Salary" if config.income is Income.SALARY else "Income"
    text = f"{label} {_fmt(credit.amount, currency)}"
    payer = credit.description.strip()
    return f"{text} from {payer}" if payer else text


def move_reason(config: AutosortConfig, outcome: StepOutcome) -> str:
    """The short reason shown beside a step's transfer."""
    of = "the salary" if config.income is Income.SALARY else "the income"
    kind = outcome.kind
    if kind is StepKind.PERCENT:
        return f"Salary sorter: {percent_text(outcome.percent_bp or 0)} of {of}"
    if kind is StepKind.FIXED:
        return f"Salary sorter: fixed amount from {of}"
    if kind is StepKind.BILLS:
        return "Salary sorter: bills due before payday"
    return f"Salary sorter: the rest of {of}"


def _bills_note(outcome: StepOutcome, payday: str, currency: str) -> str:
    due, held = outcome.due or 0, outcome.held or 0
    if not due:
        return f"no bills are due from it before {payday}"
    if not outcome.want:
        return f"it already holds the {_fmt(due, currency)} due before {payday}"
    verb = "tops it up to" if outcome.amount >= outcome.want else "towards"
    text = f"{verb} the {_fmt(due, currency)} due before {payday}"
    return text + (f"; it held {_fmt(held, currency)}" if held else "")


def _limit_note(outcome: StepOutcome, config: AutosortConfig, currency: str) -> str:
    """Why a limit moved less than the claim, and what stays behind."""
    held_back = _fmt(outcome.claim - outcome.amount, currency)
    if outcome.by_daily_limit:
        which = f"the {_fmt(config.max_per_day, currency)} daily limit"
    else:
        which = f"the {_fmt(config.max_transfer, currency)} per-transfer limit"
    return f"capped by {which}: {held_back} stays in the current account"


def _nothing(outcome: StepOutcome, config: AutosortConfig, payday: str, currency: str) -> str:
    """The phrase for a step that moves nothing, with why."""
    pot = outcome.pot_name
    if outcome.deleted:
        return f"nothing to {pot} (the pot was deleted in the Monzo app)"
    if outcome.kind is StepKind.BILLS and not outcome.want:
        return f"nothing to {pot} ({_bills_note(outcome, payday, currency)})"
    if outcome.claim:  # a limit took it all
        return f"nothing to {pot} (today's {_fmt(config.max_per_day, currency)} limit is used up)"
    if outcome.kind is StepKind.REST:
        return f"nothing left for {pot}"
    return f"nothing to {pot} (nothing of the credit was left for it)"


def _step(outcome: StepOutcome, config: AutosortConfig, payday: str, currency: str) -> str:
    """One step's phrase: ``10% (£245.00) to Savings``."""
    if not outcome.amount:
        return _nothing(outcome, config, payday, currency)
    amount, pot = _fmt(outcome.amount, currency), outcome.pot_name
    of = f" of the {_fmt(outcome.want, currency)}" if outcome.short else ""
    if outcome.kind is StepKind.PERCENT:
        share = percent_text(outcome.percent_bp or 0)
        text = f"{share} ({amount}{of}) to {pot}"
    elif outcome.kind is StepKind.REST:
        text = f"the rest {amount} to {pot}"
    else:
        text = f"{amount}{of} to {pot}"
    notes = []
    if outcome.kind is StepKind.BILLS:
        notes.append(_bills_note(outcome, payday, currency))
    if outcome.short and outcome.kind is not StepKind.REST:
        notes.append("the credit did not stretch further")
    if outcome.capped:
        notes.append(_limit_note(outcome, config, currency))
    return text + (f" ({'; '.join(notes)})" if notes else "")


def sort_text(
    config: AutosortConfig,
    credit: IncomeCredit,
    outcomes: Sequence[StepOutcome],
    *,
    available: int,
    next_payday: date | None,
    currency: str,
) -> str:
    """The explanation of a sort: the steps in order, then what stays behind."""
    payday = _payday(next_payday)
    moved = sum(o.amount for o in outcomes)
    steps = ", ".join(_step(o, config, payday, currency) for o in outcomes)
    verb = "sorted" if moved else "not sorted, nothing moved"
    text = f"{_head(config, credit, currency)} {verb}: {steps}."
    there = max(0, min(credit.amount, available))
    if there < credit.amount:
        text += (
            f" Only {_fmt(there, currency)} of it was available in the current account; "
            f"a credit is sorted once, so the other {_fmt(credit.amount - there, currency)} "
            "is not sorted later."
        )
    if moved and there > moved:
        text += f" {_fmt(there - moved, currency)} of it stays in the current account."
    return text


def already_sorted(
    config: AutosortConfig,
    credit: IncomeCredit,
    state: AutosortState,
    *,
    tz: str,
    currency: str,
) -> str:
    """A credit seen again (the webhook, then a sync): nothing moves."""
    text = f"{_head(config, credit, currency)} was already sorted"
    at = state.last_sorted_at
    if at is not None and state.sorted_credits[-1:] == (credit.transaction_id,):
        text += f" at {_local_time(at, tz)}"
    return text + "; nothing moves."


def deleted_notice(
    config: AutosortConfig,
    credit: IncomeCredit,
    outcomes: Sequence[StepOutcome],
    currency: str,
) -> str | None:
    """The notice for steps whose pot was deleted (None: none was)."""
    gone = [o for o in outcomes if o.deleted]
    if not gone:
        return None
    names = " and ".join(o.pot_name for o in gone)
    kept = _fmt(sum(o.claim for o in gone), currency)
    pots, step = ("pot was", "that step") if len(gone) == 1 else ("pots were", "those steps")
    what = "salary" if config.income is Income.SALARY else "income"
    return (
        f"The salary sorter's {names} {pots} deleted in the Monzo app, so {kept} of your "
        f"{what} of {_fmt(credit.amount, currency)} stayed in your current account. "
        f"Choose another pot for {step}."
    )


def _local_time(at: datetime, tz: str) -> str:
    """``09:14 on 25 Dec`` in the user's zone."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} on {local.day} {_MONTHS[local.month - 1]}"
