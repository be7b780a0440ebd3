"""The app with mail on: a loopback SMTP server, settings that reach it, and a way
to run the mail sender's pass (the worker's job) and read what arrived."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from potwise.jobs.mail_sender import MailSender
from potwise.settings import Settings
from potwise.web.app import create_app
from tests.conftest import make_settings
from tests.support.smtp import SmtpServer, smtp_server


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path, "starttls", login=True) as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, smtp: SmtpServer) -> Settings:
    return make_settings(tmp_path, database_url, **smtp.settings())


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


class Postman:
    """Runs the mail sender's pass and hands over what the server received."""

    def __init__(self, app: FastAPI, smtp: SmtpServer) -> None:
        self.sender = MailSender(app.state.connections)
        self.inbox = smtp.inbox

    def deliver(self) -> list[EmailMessage]:
        """Send what is due; every message received so far."""
        self.sender.run_once()
        return self.inbox.messages

    def last_to(self, address: str) -> EmailMessage:
        self.sender.run_once()
        mine = self.inbox.to(address)
        assert mine, f"no message to {address}"
        return mine[-1]


@pytest.fixture
def postman(app: FastAPI, smtp: SmtpServer) -> Postman:
    return Postman(app, smtp)
