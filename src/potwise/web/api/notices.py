"""`/api/v1/notices`: what potwise told the user in the app, newest first, and
marking it read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from potwise.services import notify
from potwise.web.api.schemas import Page
from potwise.web.security import CurrentCaller, Db

router = APIRouter(tags=["notifications"])


class NoticeOut(BaseModel):
    id: str
    kind: str
    level: str
    message: str
    created_at: datetime
    read_at: datetime | None


class MarkedRead(BaseModel):
    marked: int


@router.get("/notices", response_model=Page[NoticeOut])
def notices(
    caller: CurrentCaller,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread: bool = False,
) -> Page[NoticeOut]:
    """The newest notices first; `unread=true` for those not read yet."""
    items = notify.recent(db, caller.user.id, limit=limit, unread_only=unread)
    return Page[NoticeOut](items=[NoticeOut.model_validate(n, from_attributes=True) for n in items])


@router.post("/notices/read-all", response_model=MarkedRead)
def read_all(caller: CurrentCaller, db: Db) -> MarkedRead:
    return MarkedRead(marked=notify.mark_all_read(db, caller.user.id))


@router.post("/notices/{notice_id}/read", status_code=status.HTTP_204_NO_CONTENT)
def read_one(notice_id: str, caller: CurrentCaller, db: Db) -> Response:
    notify.mark_read(db, caller.user.id, notice_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
