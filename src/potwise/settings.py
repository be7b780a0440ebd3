"""Settings: built once by the entry point (`load_settings`) and passed down.

Every name is `POTWISE_<NAME>` in the environment (or `.env`), or `POTWISE_<NAME>_FILE`
naming a file that holds the value (container secrets). In development SECRET_KEY,
ENCRYPTION_KEYS and VAPID_PRIVATE_KEY are generated once and kept under the data
directory with mode 0600; in production they must be given and strong.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from potwise.domain.calendar import DEFAULT_TIMEZONE
from potwise.settings_files import ValueFiles
from potwise.settings_secrets import read_or_create, secret_file

DEFAULT_DATA_DIR = Path(".potwise")
MIN_SECRET_KEY_LENGTH = 32
# Values people paste from examples; refused in production whatever their length.
PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "placeholder",
    "example",
    # A run of eight: generated keys hold shorter runs by chance (a Fernet key with
    # "XXxX" in it was once refused as a placeholder).
    "xxxxxxxx",
    "your-",
    "insecure",
    "default",
)


class SettingsError(Exception):
    """A setting is missing or unsafe; the message names it in one line."""


class Settings(BaseSettings):
    """potwise configuration; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="POTWISE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # An X_FILE in the environment outranks an X in `.env`, as an X there would.
        return (
            init_settings,
            ValueFiles(settings_cls, env_settings),
            env_settings,
            ValueFiles(settings_cls, dotenv_settings),
            dotenv_settings,
            file_secret_settings,
        )

    env: Literal["development", "production"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = "sqlite:///./.potwise/potwise.db"
    secret_key: SecretStr | None = None
    encryption_keys: SecretStr | None = None
    public_url: str = "http://localhost:8000"

    monzo_client_id: str | None = None
    monzo_client_secret: SecretStr | None = None
    monzo_auth_url: str = "https://auth.monzo.com"
    monzo_api_url: str = "https://api.monzo.com"
    truelayer_client_id: str | None = None
    truelayer_client_secret: SecretStr | None = None
    truelayer_auth_url: str = "https://auth.truelayer.com"
    truelayer_api_url: str = "https://api.truelayer.com"
    truelayer_providers: str = "uk-ob-all uk-oauth-all"

    # Calls a TrueLayer consent may make without the user present, per 24 hours:
    # the regulatory floor by default; card issuers known to answer more often
    # can be given more, e.g. "ob-amex=10,uk-ob-barclaycard=8".
    truelayer_unattended_calls_per_day: int = Field(default=4, ge=0, le=1000)
    truelayer_unattended_calls_by_provider: str = ""

    sync_interval_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Operational history (sync runs, automation runs, delivered notices, delivery
    # logs, the unattended-call ledger) older than this is deleted by housekeeping;
    # the user's own data stays until they delete it.
    retention_days: int = Field(default=400, ge=1, le=100 * 366)
    # Processes a scheduled sync or automation cycle is spread over (1: the
    # scheduler's own process). Syncing is CPU work in Python; past one core's
    # worth, more threads only queue, more processes do not. A process's threads
    # also wait on the banks, so with many users one process more than the cores
    # keeps them busy (benchmarks/RESULTS.md).
    worker_processes: int = Field(default=1, ge=1, le=64)
    timezone: str = DEFAULT_TIMEZONE
    # Unset: the system clock. A remote clock (the sandbox's /_sandbox/clock) that every
    # "now" in the product follows, the scheduler's included (demos and tests).
    clock_url: str | None = None

    # Who may register: open | closed | invite. Unset: `registration_open` decides.
    registration: Literal["open", "closed", "invite"] | None = None
    # None: open in development; in production open only until the first user exists.
    registration_open: bool | None = None
    session_days: int = Field(default=30, ge=1, le=365)
    # The largest request body accepted, in bytes; more is refused with 413 unread.
    max_body_bytes: int = Field(default=512 * 1024, ge=1024, le=64 * 1024 * 1024)
    log_level: str = "INFO"
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: addresses
    # or networks, comma-separated, or "*" (any; only when nothing else can reach us).
    forwarded_allow_ips: str = "127.0.0.1"

    # Outgoing mail. Unset host: no e-mail at all (links are then an operator's, by the CLI).
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    # A CA bundle to trust for the SMTP server's certificate (a private relay).
    smtp_ca_file: Path | None = None

    # Web Push: the VAPID key (base64url of the raw P-256 private key, or DER) signs
    # every push; generated under the data directory in development. The subject is a
    # `mailto:` or `https:` address the push services may contact.
    vapid_private_key: SecretStr | None = None
    vapid_subject: str | None = None
    # Webhook and push addresses at loopback, private or link-local addresses: refused
    # unless registration is closed or this is true (a household's own LAN).
    notify_allow_private: bool = False

    # Unset: `/metrics` answers 404. Set: Prometheus scrapes it with this bearer token.
    metrics_token: SecretStr | None = None

    # The secrets `finalise` read from (or generated under) the data directory, by
    # field name; the others were given (environment, `.env`). A backup's restore
    # writes the former back and checks the latter.
    _kept_in_data_dir: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @field_validator(
        "public_url", "monzo_auth_url", "monzo_api_url", "truelayer_auth_url", "truelayer_api_url"
    )
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("truelayer_unattended_calls_by_provider")
    @classmethod
    def _provider_allowances(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            name, sep, number = item.partition("=")
            if not sep or not name.strip() or not number.strip().isdigit():
                raise ValueError(f"expected provider=calls pairs, got {item!r}")
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        items = [item.strip() for item in value.split(",") if item.strip()]
        for item in items:
            try:
                if item != "*":
                    ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return ",".join(items)

    @field_validator("clock_url")
    @classmethod
    def _clock_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("the clock URL must be an http(s) URL")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("smtp_host", "smtp_username", "smtp_from", "vapid_subject")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("metrics_token")
    @classmethod
    def _blank_token_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @property
    def secrets_in_data_dir(self) -> frozenset[str]:
        """Which of SECRET_KEY, ENCRYPTION_KEYS, VAPID_PRIVATE_KEY live under the data
        directory (`secret_file`), by field name; empty in production."""
        return self._kept_in_data_dir

    @property
    def mail_enabled(self) -> bool:
        return self.smtp_host is not None

    @property
    def push_enabled(self) -> bool:
        """Web Push is on when there is a VAPID key (always, in development)."""
        return self.vapid_private_key is not None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def unattended_allowance(self, provider_id: str | None) -> int:
        """Unattended TrueLayer calls allowed per 24 h for this provider."""
        for item in self.truelayer_unattended_calls_by_provider.split(","):
            name, _, value = item.strip().partition("=")
            if name and name == provider_id and value.strip().isdigit():
                return int(value)
        return self.truelayer_unattended_calls_per_day

    def require_secret_key(self) -> str:
        if self.secret_key is None:
            raise SettingsError("POTWISE_SECRET_KEY is not set")
        return self.secret_key.get_secret_value()

    def fernet_keys(self) -> list[str]:
        """The encryption keys, newest first."""
        if self.encryption_keys is None:
            raise SettingsError("POTWISE_ENCRYPTION_KEYS is not set")
        return [k.strip() for k in self.encryption_keys.get_secret_value().split(",") if k.strip()]


def _looks_like_placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS) or len(set(value)) < 8


def _check_secret_key(value: str | None) -> None:
    if not value:
        raise SettingsError("POTWISE_SECRET_KEY is required in production")
    if len(value) < MIN_SECRET_KEY_LENGTH:
        raise SettingsError(
            f"POTWISE_SECRET_KEY is too short (needs at least {MIN_SECRET_KEY_LENGTH} characters)"
        )
    if _looks_like_placeholder(value):
        raise SettingsError("POTWISE_SECRET_KEY looks like a placeholder; generate a random one")


def _check_encryption_keys(keys: list[str]) -> None:
    if not keys:
        raise SettingsError("POTWISE_ENCRYPTION_KEYS is required in production")
    for key in keys:
        try:
            Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise SettingsError(
                "POTWISE_ENCRYPTION_KEYS must be comma-separated Fernet keys "
                "(32 url-safe base64-encoded bytes each)"
            ) from exc
        if _looks_like_placeholder(key):
            raise SettingsError("POTWISE_ENCRYPTION_KEYS contains a placeholder key")


def new_vapid_key() -> str:
    """A new VAPID private key: the raw P-256 scalar, base64url without padding."""
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_key_problem(value: str) -> str | None:
    """Why a VAPID private key cannot be used, or None."""
    text = "".join(value.split())
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if len(data) == 32:
            ec.derive_private_key(int.from_bytes(data, "big"), ec.SECP256R1())
            return None
        key = serialization.load_der_private_key(data, password=None)
    except (ValueError, TypeError):
        return "is not a P-256 private key (base64url of 32 raw bytes, or DER)"
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        return "is not a P-256 private key"
    return None


def _check_vapid(settings: Settings) -> None:
    """With push on in production, the key must be a P-256 key and the subject a
    contact address the push services accept."""
    if settings.vapid_private_key is None:
        if settings.is_production and settings.vapid_subject:
            raise SettingsError(
                "POTWISE_VAPID_PRIVATE_KEY is required when push is on "
                "(POTWISE_VAPID_SUBJECT is set)"
            )
        return
    problem = vapid_key_problem(settings.vapid_private_key.get_secret_value())
    if problem:
        raise SettingsError(f"POTWISE_VAPID_PRIVATE_KEY {problem}")
    subject = settings.vapid_subject or ""
    if settings.is_production and not subject.startswith(("mailto:", "https://")):
        raise SettingsError(
            "POTWISE_VAPID_SUBJECT must be a mailto: or https:// address when push is on"
        )


def finalise(settings: Settings) -> Settings:
    """Fill in development secrets, or refuse weak ones in production."""
    if settings.is_production:
        _check_secret_key(settings.secret_key.get_secret_value() if settings.secret_key else None)
        _check_encryption_keys(settings.fernet_keys() if settings.encryption_keys else [])
        _check_vapid(settings)
        return settings
    updates: dict[str, SecretStr] = {}
    if settings.vapid_private_key is None:
        updates["vapid_private_key"] = SecretStr(
            read_or_create(secret_file(settings.data_dir, "vapid_private_key"), new_vapid_key())
        )
    else:
        _check_vapid(settings)
    if settings.secret_key is None:
        updates["secret_key"] = SecretStr(
            read_or_create(secret_file(settings.data_dir, "secret_key"), secrets.token_urlsafe(48))
        )
    if settings.encryption_keys is None:
        updates["encryption_keys"] = SecretStr(
            read_or_create(
                secret_file(settings.data_dir, "encryption_keys"), Fernet.generate_key().decode()
            )
        )
    else:
        _check_encryption_keys(settings.fernet_keys())
    finalised = settings.model_copy(update=updates) if updates else settings
    finalised._kept_in_data_dir = frozenset(updates)
    return finalised


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment (and `.env`), then finalise them."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:
        # pydantic's message spans lines; keep the first error on one line.
        first = str(exc).splitlines()
        detail = " ".join(line.strip() for line in first[1:3]) if len(first) > 1 else str(exc)
        raise SettingsError(f"invalid setting: {detail}") from exc
    return finalise(settings)
