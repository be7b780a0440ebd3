"""The notices page and API: newest first, filtered by what they are about and by
unread, marked read one by one or all at once, and the header's unread count."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from potwise.services.notify import notify
from tests.integration.conftest import SignedIn


def _notices(engine: Engine, user_id: str) -> None:
    with Session(engine) as db:
        notify(db, user_id, "transfer_done", "Moved £25.00 into your Credit card pot.")
        notify(db, user_id, "budget_alert", "Groceries passed 80%.")
        notify(db, user_id, "transfer_failed", "A move of £9.00 failed.", level="error")
        db.commit()


def test_the_header_counts_unread_notices_and_the_page_lists_them(
    alice: SignedIn, engine: Engine
) -> None:
    assert 'aria-label="Notices"' in alice.client.get("/settings").text  # none yet
    _notices(engine, alice.user_id)
    page = alice.client.get("/notices").text
    assert 'aria-label="Notices, 3 unread"' in page
    assert page.index("A move of £9.00 failed.") < page.index("Moved £25.00")  # newest first
    assert "3 unread" in page


def test_filters_by_what_a_notice_is_about_and_by_unread(alice: SignedIn, engine: Engine) -> None:
    _notices(engine, alice.user_id)
    money = alice.client.get("/notices", params={"about": "money_moved"}).text
    assert "Moved £25.00" in money and "Groceries" not in money and "£9.00" not in money
    failed = alice.client.get("/notices", params={"about": "move_failed"}).text
    assert "£9.00" in failed and "Moved £25.00" not in failed
    [budget] = [
        n
        for n in alice.client.get("/api/v1/notices").json()["items"]
        if n["kind"] == "budget_alert"
    ]
    alice.client.post(f"/notices/{budget['id']}/read", data={"back": "/notices"})
    unread = alice.client.get("/notices", params={"unread": "1"}).text
    assert "Groceries" not in unread and "Moved £25.00" in unread
    assert 'aria-label="Notices, 2 unread"' in unread


def test_mark_all_read(alice: SignedIn, engine: Engine) -> None:
    _notices(engine, alice.user_id)
    done = alice.client.post("/notices/read-all", follow_redirects=False)
    assert done.status_code == 303
    page = alice.client.get("/notices").text
    assert 'aria-label="Notices"' in page and "Mark all read" not in page
    assert all(n["read_at"] for n in alice.client.get("/api/v1/notices").json()["items"])


def test_the_api_reads_unread_and_marks_read(
    alice: SignedIn, bob: SignedIn, engine: Engine
) -> None:
    _notices(engine, alice.user_id)
    unread = alice.client.get("/api/v1/notices", params={"unread": "true"}).json()["items"]
    assert len(unread) == 3
    first = unread[0]["id"]
    assert bob.client.post(f"/api/v1/notices/{first}/read").status_code == 404
    assert bob.client.post(f"/notices/{first}/read").status_code == 404
    assert alice.client.post(f"/api/v1/notices/{first}/read").status_code == 204
    assert len(alice.client.get("/api/v1/notices", params={"unread": "true"}).json()["items"]) == 2
    assert alice.client.post("/api/v1/notices/read-all").json() == {"marked": 2}
    assert alice.client.get("/api/v1/notices", params={"unread": "true"}).json()["items"] == []
    assert bob.client.post("/api/v1/notices/read-all").json() == {"marked": 0}
