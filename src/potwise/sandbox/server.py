"""Run the sandbox on its own (`potwise sandbox`)."""

from __future__ import annotations

import json
import os
from typing import Any

import uvicorn

from potwise.sandbox.app import create_sandbox_app

FAULTS_ENV = "POTWISE_SANDBOX_FAULTS"


def serve(*, host: str, port: int, seed: int, years: int, users: int, **options: Any) -> None:
    """Blocking: serve the sandbox with uvicorn until interrupted.

    Startup faults can also come from the environment as a JSON list in
    POTWISE_SANDBOX_FAULTS (same objects as `POST /_sandbox/faults`).
    """
    if FAULTS_ENV in os.environ and "faults" not in options:
        faults = json.loads(os.environ[FAULTS_ENV])
        if not isinstance(faults, list):
            raise ValueError(f"{FAULTS_ENV} must be a JSON list of fault objects")
        options["faults"] = faults
    app = create_sandbox_app(seed=seed, years=years, users=users, **options)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False, server_header=False)
