"""The pages in one place: each page module's router, in the order routes are tried, and
the one registry of flash messages, built from what each module declares.

Importing a page module changes nothing elsewhere: a module with flash messages declares
them in its own `FLASH_MESSAGES` constant, and they are gathered here, once.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI

from potwise.web.ui import (
    account_mail_pages,
    account_pages,
    app_shell,
    automation_backtest,
    automation_forms,
    automation_pages,
    budget_pages,
    cashflow_pages,
    category_pages,
    connect,
    connection_pages,
    export_pages,
    leaving_pages,
    notice_pages,
    notification_pages,
    pages,
    spending_pages,
    transaction_forms,
    transaction_pages,
    twofactor_pages,
)
from potwise.web.ui.render import Flash, FlashMessages

# Order matters where two routes could match one address: a fixed path such as
# `/automations/new` is tried before `/automations/{rule_id}`.
ROUTERS: tuple[APIRouter, ...] = (
    app_shell.router,
    connect.router,
    connection_pages.router,
    account_pages.router,
    transaction_pages.router,
    transaction_forms.router,
    export_pages.router,
    automation_forms.router,
    automation_backtest.router,
    automation_pages.router,
    spending_pages.router,
    budget_pages.router,
    category_pages.router,
    cashflow_pages.router,
    twofactor_pages.router,
    leaving_pages.router,
    notice_pages.router,
    notification_pages.router,
    account_mail_pages.router,
    pages.router,
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


FLASH_MESSAGES = flash_registry(
    (
        pages.FLASH_MESSAGES,
        account_mail_pages.FLASH_MESSAGES,
        connect.FLASH_MESSAGES,
        automation_forms.FLASH_MESSAGES,
        automation_pages.FLASH_MESSAGES,
        budget_pages.FLASH_MESSAGES,
        category_pages.FLASH_MESSAGES,
        cashflow_pages.FLASH_MESSAGES,
        twofactor_pages.FLASH_MESSAGES,
        notice_pages.FLASH_MESSAGES,
        notification_pages.FLASH_MESSAGES,
    )
)


def install(app: FastAPI) -> None:
    """Add every page's routes to `app`, and the flash messages `render` looks up."""
    app.state.flash_messages = FLASH_MESSAGES
    for router in ROUTERS:
        app.include_router(router)
