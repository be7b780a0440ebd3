"""The user's word on classification: overrides, rejected pairs, rules and suggestions.

- Overriding a transaction's category or classification marks it as the
  user's own (``*_source = 'user'``): nothing automatic changes it again.
  Giving ``None`` hands it back to the classifier. Overriding one half of a
  pair unlinks both; the other half is classified again on its own.
- Rejecting a pair unlinks both halves, classifies them again, and
  remembers the pair so it is never proposed again.
- Category rules re-categorise every transaction the user has not
  categorised by hand, past and future. Suggestions (see
  `potwise.domain.classify.suggest`) are only offered: applying one creates
  the rule; dismissing one remembers it, so it is not offered again.

The package, by what it holds: `overrides`, `pairs`, `rules`, `suggestions`,
with `inputs` (what the user gives, checked) and `effects` (what follows a
choice: budgets checked again, dismissals remembered).
"""

from __future__ import annotations

from potwise.services.insight.choices.overrides import UNSET, ChoiceResult, set_choice
from potwise.services.insight.choices.pairs import Pair, list_pairs, reject_pair
from potwise.services.insight.choices.rules import (
    RULE_SOURCE_SUGGESTION,
    RULE_SOURCE_USER,
    RuleInput,
    create_rule,
    delete_rule,
    list_rules,
    recategorise,
)
from potwise.services.insight.choices.suggestions import (
    apply_suggestion,
    dismiss_suggestion,
    suggestions,
)

__all__ = [
    "RULE_SOURCE_SUGGESTION",
    "RULE_SOURCE_USER",
    "UNSET",
    "ChoiceResult",
    "Pair",
    "RuleInput",
    "apply_suggestion",
    "create_rule",
    "delete_rule",
    "dismiss_suggestion",
    "list_pairs",
    "list_rules",
    "recategorise",
    "reject_pair",
    "set_choice",
    "suggestions",
]
