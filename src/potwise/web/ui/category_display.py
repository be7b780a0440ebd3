"""How categories read on the pages: by their names, the user's own by the names they
gave them (see services/insight/own_categories.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from potwise.domain import category_names
from potwise.domain.spending import Breakdown


def labeller(names: dict[str, str]) -> Callable[[str | None], str]:
    """`label(key)` → the category's name; "" for none."""

    def label(key: str | None) -> str:
        if not key:
            return ""
        return names.get(key) or category_names.default_name(key)

    return label


def named(breakdown: Breakdown, names: dict[str, str]) -> Breakdown:
    """A category breakdown whose groups carry the categories' names (a copy: the one
    given may be shared by other requests)."""
    groups = [dataclasses.replace(g, label=names.get(g.key, g.label)) for g in breakdown.groups]
    return dataclasses.replace(breakdown, groups=groups)
