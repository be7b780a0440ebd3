"""Cash-flow API: safe to spend, the forecast, commitments, planned items, card models
and the cash-flow preferences (payday, pots counted as cash, set-asides), a router
per resource.

Amounts are integer minor units next to a `currency`. Dates are the user's local
calendar dates (their time zone, else the server's `TIMEZONE`).
"""

from fastapi import APIRouter

from potwise.web.api.cashflow import cards, commitments, outlook, planned, preferences

router = APIRouter()
router.include_router(outlook.router)
router.include_router(commitments.router)
router.include_router(planned.router)
router.include_router(cards.router)
router.include_router(preferences.router)
