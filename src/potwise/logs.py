"""Structured logging: JSON in production, key=value in a terminal.

A redaction processor runs last before rendering, so passwords, tokens,
cookies, authorization headers and OAuth secrets never reach the output,
whether they arrive as event fields, nested dicts or inside a string.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"

# Field names whose values are secrets, wherever they appear (case-insensitive).
_SECRET_KEY_PATTERN = re.compile(
    r"(pass(word|wd)?|secret|token|cookie|authorization|api[_-]?key|"
    r"refresh_token|access[_-]?token|client[_-]?secret|auth_code|oauth_code|oauth_state|"
    r"totp|otp|csrf|set-cookie)",
    re.IGNORECASE,
)
# Field names that match the pattern above but carry no secret.
_SAFE_KEYS = frozenset({"token_name", "token_id", "token_prefix"})
# Secrets embedded inside free text (e.g. an exception message or a URL).
_INLINE_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)\b(password|passwd|secret|token|access_token|refresh_token|client_secret|code|"
        r"state|dedupe_secret)=([^&\s\"']+)"
    ),
    re.compile(r"(?i)\b(potwise_session)=([^;\s]+)"),
    re.compile(r"\bpw_[A-Za-z0-9_-]{20,}"),
)


def _scrub_text(text: str) -> str:
    for pattern in _INLINE_PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
        elif pattern.groups == 1:
            text = pattern.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


def _is_secret_key(key: str) -> bool:
    return key.lower() not in _SAFE_KEYS and bool(_SECRET_KEY_PATTERN.search(key))


def redact(value: Any, depth: int = 0) -> Any:
    """Return `value` with secrets replaced; containers are copied, not mutated."""
    if depth > 6:
        return value
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if isinstance(k, str) and _is_secret_key(k) else redact(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(redact(v, depth + 1) for v in value)
    if isinstance(value, str):
        return _scrub_text(value)
    return value


def redact_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: redact every field (except the event name's own text scrub)."""
    for key in list(event_dict):
        if key == "event":
            event_dict[key] = _scrub_text(str(event_dict[key]))
        elif _is_secret_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact(event_dict[key])
    return event_dict


def configure_logging(
    *, production: bool, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library's logging (uvicorn, alembic) alike."""
    out = stream or sys.stderr
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_processor,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if production
        else structlog.dev.ConsoleRenderer(colors=out.isatty())
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                redact_processor,
            ],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log prints full request lines (query strings carry OAuth codes);
    # our own request middleware logs a redacted line instead.
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic narrates every step at INFO; only its warnings are worth a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; fields are redacted before rendering."""
    return structlog.get_logger(name)
