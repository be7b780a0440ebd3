"""The JSON API under /api/v1."""

from fastapi import APIRouter

from potwise.web.api import (
    account_mail,
    analytics,
    auth,
    automations,
    backtest,
    cashflow,
    categories,
    connections,
    exports,
    health,
    insight,
    leaving,
    mirror,
    notices,
    notifications,
    passkeys,
    twofactor,
)

router = APIRouter(prefix="/api/v1")
router.include_router(health.router)
router.include_router(auth.router)
router.include_router(leaving.router)
router.include_router(twofactor.router)
router.include_router(passkeys.router)
router.include_router(notifications.router)
router.include_router(notices.router)
router.include_router(account_mail.router)
router.include_router(connections.router)
router.include_router(mirror.router)
router.include_router(backtest.router)  # before /automations/{id}
router.include_router(automations.router)
router.include_router(categories.router)
router.include_router(insight.router)
router.include_router(analytics.router)
router.include_router(cashflow.router)
router.include_router(exports.router)
