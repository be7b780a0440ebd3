"""How categories read on the pages: by their names, the user's own by the names they
gave them (see services/insight/own_categories.py)."""

from __future__ import annotations

from collections.abc import Callable

from potwise.domain import category_names


def labeller(names: dict[str, str]) -> Callable[[str | None], str]:
    """`label(key)` → the category's name; "" for none."""

    def label(key: str | None) -> str:
        if not key:
            return ""
        return names.get(key) or category_names.default_name(key)

    return label
