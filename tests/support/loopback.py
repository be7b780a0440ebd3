"""One way to serve an ASGI app on loopback for a test: uvicorn on a background thread.

The socket is bound before the server starts, so a port handed to a test cannot be
taken by another test process in between (the suite runs in parallel).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port() -> int:
    """A port free right now, for a server another process will bind (a subprocess)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loopback_socket() -> socket.socket:
    """A socket already bound to a free loopback port, for `serve(app, sock)`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serve(
    app: Any,
    sock: socket.socket | None = None,
    *,
    start_timeout: float = 15,
    log_level: str = "warning",
    lifespan: str = "on",
    **options: Any,
) -> Iterator[str]:
    """Serve `app` on loopback until the block ends; yields its base URL.

    `options` go to uvicorn's Config as they are (e.g. the product's own serving options).
    Fails loudly when the server does not start or does not stop."""
    sock = sock or loopback_socket()
    config: dict[str, Any] = {"access_log": False, **options}
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan=lifespan, **config))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="loopback-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            sock.close()
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    if thread.is_alive():
        raise RuntimeError("the loopback server did not stop")
