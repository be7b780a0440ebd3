"""Recurring income and bills, detected from history: commitments.

Input: transaction facts (:class:`TxnFact`: id, local date, signed pence,
the normalised payee key, account, classification) and, optionally, the
direct debits and standing orders the banks list (:class:`Mandate`).
Output: :class:`DetectedCommitment` s, each with its cadence and
working-day rule (a :class:`~potwise.domain.schedules.Schedule`), latest
amount, amount changes, whether it is still running, next date(s), a
confidence in [0, 1] and its evidence (the transaction ids).

How detection works, in order:

1. Internal movements (``internal_transfer``, ``card_repayment``,
   ``pot_move``) and facts after ``today`` are dropped; the rest are
   grouped by payee key and direction (money in or out).
2. **The whole group first.** If its dates follow one cadence and its
   amounts move only in a few steps (price rises), it is one series. This
   is how a subscription whose price rose by more than the tolerance stays
   one commitment.
3. **Otherwise by amount band.** The group's amounts are cut into bands
   wherever two neighbouring amounts differ by more than the tolerance
   (10 % by default), each band is fitted on its own, and a band that
   continues a fitted series right where it stopped (a step price rise at
   a payee with other payments) is appended to it.
4. **Fitting a cadence.** The median gap between dates picks the family
   (7, 14, 28-35, ~91 or ~365 days); within it every candidate schedule
   (weekly, fortnightly, four-weekly, monthly on a day of the month or on
   the last working day, the same restricted to the months seen - ten
   months from April is council tax -, quarterly, yearly) is scored by how
   many expected dates have a payment within a tolerance (2 days for
   weekly, 3 for fortnightly and four-weekly, 5 for the rest: bank
   holidays, weekends and card settlement lag) and how many payments fall
   on an expected date. The best fit wins, then the working-day roll
   (previous / next working day / none) that puts payments closest to
   their expected days; when the data cannot tell, income rolls to the
   previous working day and bills to the next, as UK payroll and direct
   debits do.
5. **Stopped series.** Expected dates after the last payment that are
   more than the tolerance in the past and had no payment are *missed*;
   one missed monthly-or-longer occurrence (two for weekly, fortnightly
   and four-weekly) marks the series stopped (a cancelled subscription).
6. **Confidence** = fit x occurrences x amount stability, where fit is
   (matched / expected) x (matched / observed), occurrences is
   ``1 - 1/(n+1)`` and amount stability ranges 0.85-1 with the share of
   consecutive payments within 2 %. A matching direct debit or standing
   order halves the remaining doubt and supplies the next date.

Everything is deterministic and independent of the order of the input.

The package, by what it holds: ``model`` (facts, mandates and what is
found), ``cadences`` (tolerances, families and candidate schedules),
``fitting`` (step 4), ``amounts`` (bands, changes, blips), ``series``
(steps 2 and 3), ``results`` (steps 5 and 6), ``detect`` (the whole run) and
``payments`` (a commitment's dates, matching a new payment to one, and
settling the occurrences payments already paid, pending ones included).
"""

from __future__ import annotations

from potwise.domain.recurring.cadences import tolerance_days
from potwise.domain.recurring.detect import detect_commitments
from potwise.domain.recurring.model import (
    INTERNAL_CLASSIFICATIONS,
    AmountChange,
    DetectedCommitment,
    DetectionSettings,
    Mandate,
    PaymentMatch,
    TxnFact,
)
from potwise.domain.recurring.payments import commitment_dates, match_payment, settle_paid

__all__ = [
    "INTERNAL_CLASSIFICATIONS",
    "AmountChange",
    "DetectedCommitment",
    "DetectionSettings",
    "Mandate",
    "PaymentMatch",
    "TxnFact",
    "commitment_dates",
    "detect_commitments",
    "match_payment",
    "settle_paid",
    "tolerance_days",
]
