"""Classifying a user's transactions in the mirror: after every sync, incrementally.

The decisions are `potwise.domain.classify`'s; this module feeds it and
stores what changed:

- **Incremental** (`classify_changed`, run after every sync and webhook):
  the targets are the rows never classified (new ones) and the rows the
  sync just touched or the webhook named. Around them, every row within the
  pairing window (eight days either side) is read as context, since a new
  row may complete a pair with an old one; so are the current partners of
  the targets. Only rows whose decision differs are written, so a run with
  nothing new reads a few rows and writes nothing.
- **Full** (`reclassify_all`): everything again, from scratch, for one user.

The user's own choices (``classification_source = 'user'``,
``category_source = 'user'``) are inputs, never outputs: they survive
re-syncs (the sync never writes these columns on update) and every
re-classification.

Two processes classifying one user at once compute the same answer from the
same rows, so no lock is taken (a lease would cost writes on every run).

The package, by what it holds: `reading` (rows off the driver's cursor),
`user_side` (accounts, rules, rejected pairs, pots, merchants' categories),
`writing` (the changed decisions, in one transaction) and `runs` (full and
incremental runs, and the subscriber that starts them after a sync).
"""

from __future__ import annotations

from potwise.services.insight.classify.runs import (
    ClassifyResult,
    classify_changed,
    handle,
    install,
    reclassify_all,
)
from potwise.services.insight.classify.user_side import (
    DISMISS_PAIR,
    DISMISS_SUGGESTION,
    accounts_of,
    rejected_pairs,
    user_rules,
)

__all__ = [
    "DISMISS_PAIR",
    "DISMISS_SUGGESTION",
    "ClassifyResult",
    "accounts_of",
    "classify_changed",
    "handle",
    "install",
    "reclassify_all",
    "rejected_pairs",
    "user_rules",
]
