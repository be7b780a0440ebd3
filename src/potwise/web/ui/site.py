"""The pages in one place: each page module's router, in the order routes are tried, and
the one registry of flash messages built from what each module declares.

Importing a page module changes nothing elsewhere: a module declares its messages in its
own `FLASH_MESSAGES` constant, and `install` gathers them here when the app is built.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI

from potwise.web.ui import (
    automation_pages,
    bank_pages,
    cashflow_pages,
    connect,
    insight_pages,
    pages,
)
from potwise.web.ui.render import Flash, FlashMessages

# Order matters where two routes could match one address: a fixed path such as
# `/automations/new` is tried before `/automations/{rule_id}`.
PAGE_MODULES: tuple[tuple[APIRouter, FlashMessages], ...] = (
    (connect.router, connect.FLASH_MESSAGES),
    (bank_pages.router, bank_pages.FLASH_MESSAGES),
    (automation_pages.router, automation_pages.FLASH_MESSAGES),
    (insight_pages.router, insight_pages.FLASH_MESSAGES),
    (cashflow_pages.router, cashflow_pages.FLASH_MESSAGES),
    (pages.router, pages.FLASH_MESSAGES),
)


def flash_registry(declared: Iterable[FlashMessages]) -> dict[str, Flash]:
    """Every declared flash message by code; a code declared twice is a mistake."""
    registry: dict[str, Flash] = {}
    for messages in declared:
        for code, message in messages.items():
            if code in registry:
                raise ValueError(f"flash message {code!r} is declared twice")
            registry[code] = message
    return registry


def install(app: FastAPI) -> None:
    """Add every page's routes to `app` and the flash messages `render` looks up."""
    app.state.flash_messages = flash_registry(messages for _, messages in PAGE_MODULES)
    for router, _ in PAGE_MODULES:
        app.include_router(router)
