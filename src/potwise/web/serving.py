"""How uvicorn serves the app, wherever it is served (`potwise serve`, the demo)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from potwise.settings import Settings

# log_config=None: uvicorn leaves logging alone, so its records (tracebacks included)
# go through our redacting handler. access_log=False: the request middleware logs one
# redacted line instead of the full request line. server_header=False: no
# `Server: uvicorn` advertising what answers. The proxies trusted are always named
# here, so uvicorn never falls back to its own unprefixed FORWARDED_ALLOW_IPS variable.
UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    "server_header": False,
    "proxy_headers": True,
    "forwarded_allow_ips": "127.0.0.1",
}


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The options above, trusting X-Forwarded-For and X-Forwarded-Proto only from the
    proxies in POTWISE_FORWARDED_ALLOW_IPS: behind them `request.client.host` is the
    real client (what the sign-in limiter counts), from anyone else the headers are
    ignored."""
    return {**UVICORN_OPTIONS, "forwarded_allow_ips": settings.forwarded_allow_ips}
