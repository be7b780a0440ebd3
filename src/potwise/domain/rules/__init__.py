"""The automation rules' decisions, one package per rule kind.

Each rule kind is a package with the same inner shape, so a reader who knows
one knows where everything is in the others:

* ``model``: the rule's vocabulary: its errors, actions, reason codes, the
  situations a decision can be in, the phase it leaves the rule in, and the
  decision type itself.
* ``inputs``: what a decision is given: snapshots of the accounts it reads,
  and the rule's config (validated on construction).
* ``state``: what the rule remembers between runs, and its serialised form
  (versioned: stored state must keep loading).
* ``decide``: the decision as a pure function, a short dispatcher over
  ``situations``: one small function per situation, named as the product
  states the rule.
* ``explain``: the plain-English explanation of a decision.
* ``fast``: speed-only helpers, when a rule needs them (nothing in them is
  policy).

A rule package may add a module for a step of its own (``cardpot.spending``
reads the cards, ``sweep.slots`` says when a sweep runs). The kinds that decide
into ``moves.RuleDecision`` share ``checks`` (their configs' and inputs'
validation) and ``wording`` (how their explanations write amounts and times).
Like all of ``potwise.domain``, these take ``now`` and data as arguments, read
no clock and do no I/O.
"""
