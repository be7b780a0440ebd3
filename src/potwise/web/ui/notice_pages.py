"""`/notices`: everything potwise told the user in the app, newest first, filtered
by what it was about and whether it was read; marking one or all read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.services import notify
from potwise.services.notifications import events
from potwise.web.security import Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.render import FlashMessages, FormStr, render

router = APIRouter(include_in_schema=False)

FLASH_MESSAGES: FlashMessages = {
    "notices_read": ("success", "Every notice is marked read."),
}
#: How many notices the page lists.
SHOWN = 200
#: The filter for notices no event covers (they stay in the app).
OTHER = "other"


def _about(kind: str) -> str:
    return events.event_for_notice(kind) or OTHER


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d %b %Y %H:%M")


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, caller: PageCaller, db: Db) -> Response:
    about = request.query_params.get("about", "")
    unread = request.query_params.get("unread", "") == "1"
    kinds = notify.kinds_of(db, caller.user.id)
    chosen = [k for k in kinds if _about(k) == about] if about else None
    rows = notify.recent(db, caller.user.id, limit=SHOWN, unread_only=unread, kinds=chosen)
    zone = zone_of(request, caller)
    abouts = [(e.key, e.label) for e in events.EVENTS if any(_about(k) == e.key for k in kinds)]
    if any(_about(k) == OTHER for k in kinds):
        abouts.append((OTHER, "Everything else"))
    return render(
        request,
        "notices.html",
        caller,
        active="notices",
        rows=[(n, _when(n.created_at, zone), events.BY_KEY.get(_about(n.kind))) for n in rows],
        abouts=abouts,
        about=about,
        unread=unread,
        unread_total=notify.unread_count(db, caller.user.id),
    )


@router.post("/notices/read-all")
def read_all(caller: PageCaller, db: Db) -> Response:
    notify.mark_all_read(db, caller.user.id)
    return RedirectResponse("/notices?flash=notices_read", status_code=303)


@router.post("/notices/{notice_id}/read")
def read_one(notice_id: str, caller: PageCaller, db: Db, back: FormStr = "") -> Response:
    notify.mark_read(db, caller.user.id, notice_id)
    target = back if back.startswith("/notices") and not back.startswith("//") else "/notices"
    return RedirectResponse(target, status_code=303)
