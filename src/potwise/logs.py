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
    r"(pass(word|wd)?|secret|token|cookie|authorization|api[_-]?key|private[_-]?key|"
    r"refresh_token|access[_-]?token|client[_-]?secret|auth_code|oauth_code|oauth_state|"
    r"credential|totp|otp|csrf|set-cookie)",
    re.IGNORECASE,
)
# Field names that are secrets only when they are the whole name ("code" is an OAuth
# code, "error_code" is not).
_SECRET_EXACT_KEYS = frozenset({"code", "state", "session", "session_id", "signature"})
# Field names that match the pattern above but carry no secret.
_SAFE_KEYS = frozenset({"token_name", "token_id", "token_prefix"})
# Names after which free text carries a secret (`code=...`, `"password": "..."`).
_INLINE_NAMES = (
    r"password|passwd|secret|token|access_token|refresh_token|client_secret|code|"
    r"state|dedupe_secret|potwise_session"
)
# Secrets embedded inside free text (an exception message, a URL, a repr in a traceback),
# each with what replaces it.
_INLINE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {REDACTED}"),
    (re.compile(rf"(?i)\b({_INLINE_NAMES})=([^&;\s\"']+)"), rf"\1={REDACTED}"),
    # A dict's repr or JSON: 'password': 'value' / "token": "value".
    (
        re.compile(
            rf"(?i)(['\"](?:{_INLINE_NAMES}|authorization|cookie)['\"]\s*:\s*)(['\"])[^'\"]*\2"
        ),
        rf"\1'{REDACTED}'",
    ),
    (re.compile(r"\bpw_[A-Za-z0-9_-]{8,}"), REDACTED),
    # The secret in a Monzo webhook address (not the route template `{secret}`).
    (re.compile(r"(/webhooks/monzo/)[^/\s?#'\"{][^/\s?#'\"]*"), rf"\1{REDACTED}"),
)


def _scrub_text(text: str) -> str:
    for pattern, replacement in _INLINE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    if lowered in _SAFE_KEYS:
        return False
    return lowered in _SECRET_EXACT_KEYS or bool(_SECRET_KEY_PATTERN.search(key))


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
    if isinstance(value, bytes | bytearray):
        text = bytes(value).decode("utf-8", "replace")
        scrubbed = _scrub_text(text)
        return value if scrubbed == text else scrubbed
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


def _pre_chain() -> list[Any]:
    """What every record passes before rendering, ours and other libraries' alike:
    stack and exception text are rendered here (without local variables), so the
    redaction that follows sees them too."""
    return [
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_processor,
    ]


def _renderer(*, production: bool, out: TextIO) -> Any:
    if production:
        return structlog.processors.JSONRenderer()
    # Plain tracebacks: a pretty traceback that shows local variables both leaks
    # credentials (headers, cookies) and takes seconds to print, holding the server.
    return structlog.dev.ConsoleRenderer(
        colors=out.isatty(), exception_formatter=structlog.dev.plain_traceback
    )


def configure_logging(
    *, production: bool, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Configure structlog and the standard library's logging (uvicorn, alembic) alike."""
    out = stream or sys.stderr
    renderer = _renderer(production=production, out=out)
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, *_pre_chain(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.contextvars.merge_contextvars, *_pre_chain()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn may have given its loggers handlers of their own (its default log config):
    # send their records through the handler above, so they are redacted too.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # uvicorn's access log prints full request lines (query strings carry OAuth codes);
    # our own request middleware logs a redacted line instead.
    logging.getLogger("uvicorn.access").disabled = True
    # Alembic narrates every step at INFO; only its warnings are worth a line.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; fields are redacted before rendering."""
    return structlog.get_logger(name)
