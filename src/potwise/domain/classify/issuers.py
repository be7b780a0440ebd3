"""Banks and card issuers as statements and people name them.

A bank is known by its provider id (``monzo``, or TrueLayer's ``ob-amex``,
``uk-ob-barclaycard``...); its brand is that id without the provider's
prefixes, its label is how people call it ("Amex", "NatWest"), and a card
issuer's names are how a bank statement spells a payment to it.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Card issuers people pay from a bank account, by how a statement names them.
ISSUERS: dict[str, tuple[str, ...]] = {
    "amex": ("american express", "amex"),
    "americanexpress": ("american express", "amex"),
    "american-express": ("american express", "amex"),
    "barclaycard": ("barclaycard",),
    "capitalone": ("capital one",),
    "capital-one": ("capital one",),
    "mbna": ("mbna",),
    "vanquis": ("vanquis",),
    "aqua": ("aqua card", "aqua"),
    "newday": ("newday",),
    "hsbc": ("hsbc credit card", "hsbc card"),
    "lloyds": ("lloyds credit card", "lloyds card"),
    "natwest": ("natwest credit card", "natwest card"),
    "halifax": ("halifax credit card",),
    "monzo": ("monzo flex",),
}
#: Any issuer's name in a (lower-cased) statement text, longest names first.
ISSUER_TEXT = re.compile(
    r"\b("
    + "|".join(
        re.escape(name)
        for name in sorted({n for names in ISSUERS.values() for n in names}, key=len, reverse=True)
    )
    + r")\b"
)
_BANK_LABELS: dict[str, str] = {
    "monzo": "Monzo",
    "amex": "Amex",
    "barclaycard": "Barclaycard",
    "natwest": "NatWest",
    "hsbc": "HSBC",
    "lloyds": "Lloyds",
    "halifax": "Halifax",
    "santander": "Santander",
    "nationwide": "Nationwide",
    "starling": "Starling",
    "revolut": "Revolut",
    "mbna": "MBNA",
    "capitalone": "Capital One",
}


@lru_cache(maxsize=256)
def bank_brand(bank: str) -> str:
    """`ob-amex`, `uk-ob-barclaycard`, `monzo` → `amex`, `barclaycard`, `monzo`."""
    brand = bank.strip().lower()
    for prefix in ("uk-", "ob-", "oauth-", "cs-"):
        brand = brand.removeprefix(prefix)
    return brand


@lru_cache(maxsize=256)
def bank_label(bank: str) -> str:
    """How people call the bank: "Monzo", "Amex", "NatWest"."""
    brand = bank_brand(bank)
    return _BANK_LABELS.get(brand, brand.replace("-", " ").title())


def issuer_names(bank: str) -> tuple[str, ...]:
    """How a statement names a payment to the card issuer `bank` (its brand if unknown)."""
    return ISSUERS.get(bank_brand(bank), (bank_brand(bank),))
