"""How to reach the SMTP server, from the settings (None when mail is off)."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from potwise.settings import Settings

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # none | starttls | tls
    username: str | None
    password: str | None
    sender: str  # the From header
    ca_file: Path | None = None

    @property
    def sender_domain(self) -> str:
        """The domain of the From address, for Message-IDs."""
        _, address = parseaddr(self.sender)
        return address.rpartition("@")[2] or self.host

    def __repr__(self) -> str:  # never show the password
        return f"SmtpConfig(host={self.host!r}, port={self.port}, security={self.security!r})"


def smtp_config(settings: Settings) -> SmtpConfig | None:
    if settings.smtp_host is None:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port or DEFAULT_PORTS[settings.smtp_security],
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=password,
        sender=settings.smtp_from or f"potwise <potwise@{settings.smtp_host}>",
        ca_file=settings.smtp_ca_file,
    )
