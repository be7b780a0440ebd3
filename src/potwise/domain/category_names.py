"""Names of categories as people see them, and which categories a budget can cap.

A category has a `key` (what transactions, rules and budgets carry: a built-in
one such as ``eating_out``, or one of the user's own) and a name. Built-in
categories are named after their key ("Eating out"); the user names their own,
and may rename them: the key stays, so nothing that carries it changes.

Names are compared case-insensitively (``casefold``): a user cannot have
"Pets" and "pets", nor an own category named like a built-in one. A new own
category's key is made from its name ("Kids' clubs" → ``kids_clubs``), with a
number added when that key is taken.

Budgets cap spending, so a category that never holds spending (money coming
in, moves between one's own accounts, money put into pots or savings) cannot
have one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from typing import Final

from potwise.domain.categories import CATEGORIES
from potwise.domain.errors import DomainError

#: The longest name a user may give a category.
MAX_NAME: Final = 40
#: The longest key (the column's width).
MAX_KEY: Final = 64
#: Built-in categories no budget can cap: they hold no spending.
NOT_SPENDING: Final = frozenset({"income", "transfers", "savings"})

_SPACES = re.compile(r"\s+")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


class InvalidCategoryName(DomainError):
    code = "invalid_category_name"


def default_name(key: str) -> str:
    """A built-in (or never named) category's name: ``eating_out`` → "Eating out"."""
    return key.replace("_", " ").capitalize()


def clean_name(name: str) -> str:
    """A name as typed, with runs of spaces made one and the ends trimmed; refused
    (`InvalidCategoryName`) when empty, too long or holding control characters."""
    cleaned = _SPACES.sub(" ", name).strip()
    if not cleaned:
        raise InvalidCategoryName("Give the category a name.")
    if len(cleaned) > MAX_NAME:
        raise InvalidCategoryName(f"A category's name is at most {MAX_NAME} characters.")
    if any(unicodedata.category(c).startswith("C") for c in cleaned):
        raise InvalidCategoryName("A category's name cannot hold control characters.")
    return cleaned


def folded(name: str) -> str:
    """The form names are compared in: "Eating Out" and "eating out" are one name."""
    return clean_name(name).casefold()


def built_in_names() -> dict[str, str]:
    """Each built-in category's folded name → its key."""
    return {default_name(key).casefold(): key for key in CATEGORIES}


def key_for(name: str, taken: Collection[str]) -> str:
    """A key for a new category named `name`: its letters and digits in lower case,
    words joined by ``_``, starting with a letter, not one of `taken` (nor a
    built-in key): ``"Kids' clubs"`` → ``kids_clubs``, then ``kids_clubs_2``..."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = _NOT_KEY.sub("_", ascii_text.lower()).strip("_") or "category"
    if not base[0].isalpha():
        base = f"c_{base}"
    base = base[: MAX_KEY - 4]
    unavailable = set(taken) | set(CATEGORIES)
    key, number = base, 1
    while key in unavailable:
        number += 1
        key = f"{base}_{number}"
    return key


def can_budget(key: str) -> bool:
    """Whether a budget may cap this category (it can hold spending)."""
    return key not in NOT_SPENDING


def not_budgetable_message(name: str) -> str:
    """Why a category cannot have a budget, in words."""
    return (
        f"{name} is not spending, so it cannot have a budget: budgets cap money going out. "
        "Choose a spending category such as groceries or eating out."
    )
