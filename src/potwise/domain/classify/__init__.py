"""Transaction classification: what each transaction is, which category, and why.

Every transaction gets one `Classification`:

- ``pot_move``: money between a Monzo account and one of its pots (Monzo
  marks these with the pot's id).
- ``card_repayment``: paying off a credit card. A debit on a bank account
  is matched to a credit of the same amount on one of the user's cards,
  arriving from a day before to seven days after; the match needs a hint
  (the debit names the card's issuer, or the credit reads like a payment:
  "PAYMENT RECEIVED - THANK YOU"). Unmatched, a payment-like credit on a
  card, or a debit naming a card issuer, is still a card repayment (the
  other side is at a bank that is not connected, or has not arrived yet).
- ``internal_transfer``: money between two of the user's own accounts (at
  the same bank or different banks, joint-account contributions from the
  user's own account included): opposite amounts in the same currency on
  two different non-card accounts, at most four days apart, neither side a
  card payment at a merchant or income such as salary, and at least one
  side reading like a transfer (the provider calls it a transfer or
  standing order, or the text says "savings", "top up", "joint"...).
- ``spending``: money out otherwise. A **refund** (money back from a
  merchant) is spending too, reversed: positive, in the purchase's category.
- ``income``: money in otherwise.

Pairs are one-to-one: candidate matches are ranked (hints first, then the
fewest days apart, then ids, so the result never depends on input order)
and taken greedily. A pair the user rejected is never proposed again.
Each match records a reason people can read ("Card repayment — matched
£250.00 credit on Gold Card (Amex), 1 day apart") and the id of its other
half.

The user's own choices always win: a classification or a category the
user set is kept as it is, and such a transaction is never paired
automatically.

Categories: see `potwise.domain.categories`. Learned suggestions: see
`suggest`.

The package, by what it holds: `model` (the kinds, accounts, transactions and
decisions), `issuers` (banks and card issuers as statements name them),
`hints` (what a single transaction looks like), `pairing` (the two halves of
a transfer or a repayment), `decide` (every transaction's decision and its
reason), `categorise` (its category) and `suggestions` (learning from the
user's own choices).
"""

from __future__ import annotations

from potwise.domain.classify.categorise import choose_category, transaction_key
from potwise.domain.classify.decide import classify
from potwise.domain.classify.issuers import bank_brand, bank_label
from potwise.domain.classify.model import (
    BANK_KINDS,
    CARD_KIND,
    CLASSIFICATIONS,
    INTERNAL,
    PAIRING_WINDOW,
    REPAYMENT_AFTER,
    REPAYMENT_BEFORE,
    SOURCE_AUTO,
    SOURCE_USER,
    TRANSFER_WINDOW,
    AccountInfo,
    Classification,
    Context,
    Outcome,
    Txn,
    pair_key,
)
from potwise.domain.classify.suggestions import (
    SUGGESTION_THRESHOLD,
    SUGGESTION_WINDOW,
    MerchantTxn,
    Suggestion,
    suggest,
    suggestion_key,
)

__all__ = [
    "BANK_KINDS",
    "CARD_KIND",
    "CLASSIFICATIONS",
    "INTERNAL",
    "PAIRING_WINDOW",
    "REPAYMENT_AFTER",
    "REPAYMENT_BEFORE",
    "SOURCE_AUTO",
    "SOURCE_USER",
    "SUGGESTION_THRESHOLD",
    "SUGGESTION_WINDOW",
    "TRANSFER_WINDOW",
    "AccountInfo",
    "Classification",
    "Context",
    "MerchantTxn",
    "Outcome",
    "Suggestion",
    "Txn",
    "bank_brand",
    "bank_label",
    "choose_category",
    "classify",
    "pair_key",
    "suggest",
    "suggestion_key",
    "transaction_key",
]
