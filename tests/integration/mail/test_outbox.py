"""The outbox and the sender against a real SMTP server on loopback: what arrives,
with which headers, over which transport; retries, backoff and failures."""

from __future__ import annotations

from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.engine import make_session_factory
from potwise.db.models import OutboxMessage, User
from potwise.jobs.mail_sender import MailSender
from potwise.services import account_mail, auth
from potwise.services.context import build_context
from potwise.services.mail import outbox
from potwise.settings import Settings
from tests.conftest import make_settings
from tests.security.conftest import captured_log
from tests.support.smtp import PASSWORD, SmtpServer, html_of, smtp_server, text_of


def _settings(tmp_path: Path, database_url: str, server: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, **server.settings())


def _user(db: Session, email: str = "mail@example.com") -> User:
    return auth.create_user(db, email=email, password="correct horse battery staple")


def _sender(settings: Settings, engine: Engine) -> MailSender:
    return MailSender(build_context(settings, make_session_factory(engine)))


@pytest.mark.parametrize(
    ("security", "login"), [("none", False), ("starttls", True), ("tls", True)]
)
def test_a_queued_message_arrives_with_text_html_and_headers(
    tmp_path: Path, database_url: str, engine: Engine, db: Session, security: str, login: bool
) -> None:
    with smtp_server(tmp_path, security, login=login) as server:
        settings = _settings(tmp_path, database_url, server)
        mailer = account_mail.mailer_for(settings)
        user = _user(db)
        assert account_mail.security_notice(db, mailer, user, "new_token")
        db.commit()
        assert _sender(settings, engine).run_once() == 1
        [message] = server.inbox.wait_for(1)
    assert message["To"] == "mail@example.com"
    assert message["From"] == "potwise <potwise@mail.example.org>"
    assert message["Subject"] == "Security notice for your potwise account"
    assert message["Message-ID"].endswith("@mail.example.org>")
    sent = parsedate_to_datetime(message["Date"])
    assert abs(sent - clock.wall()) < timedelta(minutes=1)
    assert "A new personal API token was created" in text_of(message)
    assert "<p>A new personal API token was created" in html_of(message)
    assert message["List-Unsubscribe"] is None  # a token notice is not optional
    row = db.scalars(select(OutboxMessage)).one()
    db.refresh(row)
    assert (row.status, row.attempts, row.text_body, row.html_body) == ("sent", 1, "", "")
    assert row.message_id == message["Message-ID"]


def test_optional_mail_carries_one_click_unsubscribe(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with smtp_server(tmp_path) as server:
        settings = _settings(tmp_path, database_url, server)
        user = _user(db)
        account_mail.security_notice(db, account_mail.mailer_for(settings), user, "new_browser")
        db.commit()
        _sender(settings, engine).run_once()
        [message] = server.inbox.wait_for(1)
    assert message["List-Unsubscribe"].startswith("<http://testserver/mail/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_nothing_is_queued_when_mail_is_off(tmp_path: Path, database_url: str, db: Session) -> None:
    settings = make_settings(tmp_path, database_url)
    user = _user(db)
    assert not account_mail.security_notice(
        db, account_mail.mailer_for(settings), user, "new_token"
    )
    db.commit()
    assert db.scalars(select(OutboxMessage)).all() == []


def test_an_unreachable_server_is_tried_again_with_backoff_then_marked_failed(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with smtp_server(tmp_path) as server:
        settings = _settings(tmp_path, database_url, server)
    # The server is gone: connections are refused.
    user = _user(db)
    account_mail.security_notice(db, account_mail.mailer_for(settings), user, "new_token")
    db.commit()
    sender = _sender(settings, engine)
    before = clock.wall()
    assert sender.run_once() == 0
    row = db.scalars(select(OutboxMessage)).one()
    db.refresh(row)
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error is not None and "could not talk to the SMTP server" in row.last_error
    assert before + timedelta(seconds=4) < row.next_attempt_at < clock.wall() + timedelta(seconds=6)
    assert sender.run_once() == 0  # not due yet: nothing tried
    db.refresh(row)
    assert row.attempts == 1
    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        db.execute(update(OutboxMessage).values(next_attempt_at=clock.wall()))
        db.commit()
        sender.run_once()
        db.refresh(row)
        assert row.attempts == attempt
    assert row.status == "failed"


def test_a_permanent_refusal_fails_at_once(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with smtp_server(tmp_path) as server:
        server.inbox.refuse = True
        settings = _settings(tmp_path, database_url, server)
        account_mail.security_notice(db, account_mail.mailer_for(settings), _user(db), "new_token")
        db.commit()
        _sender(settings, engine).run_once()
    row = db.scalars(select(OutboxMessage)).one()
    db.refresh(row)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "the SMTP server refused the recipient ([550])"


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert outbox.backoff(30) == timedelta(hours=1)


def test_the_background_sender_delivers_within_seconds_and_logs_no_secret(
    tmp_path: Path, database_url: str, engine: Engine, db: Session
) -> None:
    with (
        captured_log(production=True) as out,
        smtp_server(tmp_path, "starttls", login=True) as server,
    ):
        settings = _settings(tmp_path, database_url, server)
        sender = MailSender(build_context(settings, make_session_factory(engine)), interval=0.2)
        sender.start()
        try:
            account_mail.security_notice(
                db, account_mail.mailer_for(settings), _user(db), "new_token"
            )
            db.commit()
            server.inbox.wait_for(1, timeout=5)
        finally:
            sender.stop()
    assert "mail.sent" in out.getvalue()
    assert PASSWORD not in out.getvalue()


def test_housekeeping_forgets_old_mail_and_expired_links(
    tmp_path: Path, database_url: str, db: Session
) -> None:
    from potwise.db.models import AccountLink
    from potwise.services import account_links
    from potwise.services.housekeeping import purge_expired

    settings = make_settings(tmp_path, database_url)
    user = _user(db)
    long_ago = clock.wall() - timedelta(days=31)
    for status, created in (
        ("sent", long_ago),
        ("failed", long_ago),
        ("queued", long_ago),
        ("sent", clock.wall()),
    ):
        db.add(
            OutboxMessage(
                user_id=user.id,
                kind="k",
                to_address=user.email,
                subject="s",
                text_body="",
                html_body="",
                message_id="<m@x>",
                essential=True,
                status=status,
                attempts=1,
                next_attempt_at=created,
                created_at=created,
            )
        )
    key = settings.require_secret_key()
    account_links.issue(db, key, "reset", user_id=user.id, email=user.email, now=long_ago)
    account_links.issue(db, key, "reset", user_id=user.id, email=user.email, now=clock.wall())
    db.commit()
    counts = purge_expired(db, clock.now())
    assert (counts["mail"], counts["account_links"]) == (2, 1)
    assert {m.status for m in db.scalars(select(OutboxMessage))} == {"queued", "sent"}
    assert len(db.scalars(select(AccountLink)).all()) == 1
