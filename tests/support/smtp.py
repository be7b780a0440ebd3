"""A real SMTP server on loopback (aiosmtpd) for the mail tests: plain, STARTTLS or
implicit TLS (a certificate made for 127.0.0.1 on the spot), optionally asking for
a login; it keeps every message it accepted, parsed, for the test to read."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.loopback import free_port

USERNAME = "potwise-mailer"
PASSWORD = "smtp-pass-Zq8wV1xR"
_LINK = re.compile(r"https?://\S+?\?token=[A-Za-z0-9_.%-]+")


@dataclass
class Inbox:
    """What the server accepted, in order; `refuse` makes it refuse recipients (550)."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: bool = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"
        return self.messages

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage) -> str:
    """The one link with a token in the message's plain text."""
    links = _LINK.findall(text_of(message))
    assert len(links) == 1, links
    return str(links[0])


@dataclass(frozen=True)
class SmtpServer:
    port: int
    security: str
    inbox: Inbox
    ca_file: Path | None
    login: bool

    def settings(self) -> dict[str, object]:
        """The POTWISE_SMTP_* settings that reach this server."""
        values: dict[str, object] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": self.security,
            "smtp_from": "potwise <potwise@mail.example.org>",
        }
        if self.ca_file is not None:
            values["smtp_ca_file"] = self.ca_file
        if self.login:
            values["smtp_username"] = USERNAME
            values["smtp_password"] = PASSWORD
        return values


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok)


@contextmanager
def smtp_server(
    directory: Path, security: str = "none", *, login: bool = False
) -> Iterator[SmtpServer]:
    """Run an SMTP server on a loopback port until the block ends."""
    inbox = Inbox()
    port = free_port()
    options: dict[str, Any] = {"hostname": "127.0.0.1", "port": port}
    ca_file = None
    if security != "none":
        ca_file, key_file = _certificate(directory)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(ca_file, key_file)
        if security == "tls":
            options["ssl_context"] = context
        else:
            options.update(tls_context=context, require_starttls=True)
    if login:
        # Under implicit TLS aiosmtpd cannot tell the session is encrypted; it is.
        options.update(authenticator=_authenticate, auth_require_tls=security == "starttls")
    controller = Controller(inbox, **options)
    controller.start()
    try:
        yield SmtpServer(port, security, inbox, ca_file, login)
    finally:
        controller.stop()
