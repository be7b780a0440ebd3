"""How uvicorn serves the app, wherever it is served (`potwise serve`, the demo)."""

from __future__ import annotations

from typing import Any

# log_config=None: uvicorn leaves logging alone, so its records (tracebacks included)
# go through our redacting handler. access_log=False: the request middleware logs one
# redacted line instead of the full request line. server_header=False: no
# `Server: uvicorn` advertising what answers.
UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    "server_header": False,
}
