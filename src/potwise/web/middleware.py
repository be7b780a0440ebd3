"""What wraps every request: its id (bound to every log line), the cross-site check on
unsafe methods, the security headers, one `request.finished` log line and its latency
in `potwise_http_request_duration_seconds` (by route template, like the log line)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from potwise.logs import get_logger
from potwise.observability import process
from potwise.settings import Settings
from potwise.web.docs import DOCS_CSP, DOCS_URL
from potwise.web.errors import error_body
from potwise.web.route_names import route_template
from potwise.web.security import csrf_rejection

log = get_logger(__name__)

CallNext = Callable[[Request], Awaitable[Response]]


def page_csp(settings: Settings) -> str:
    """Pages load nothing from elsewhere. Forms may only post to us, and (because a
    browser applies form-action to redirects too) lead on to the banks' sign-in pages."""
    banks = " ".join(
        sorted({_origin(settings.monzo_auth_url), _origin(settings.truelayer_auth_url)})
    )
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"connect-src 'self'; frame-ancestors 'none'; form-action 'self' {banks}; "
        "base-uri 'none'; object-src 'none'"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Browsers that once reached us over https refuse plain http for a year.
HSTS = "max-age=31536000; includeSubDomains"


def _security_headers(response: Response, path: str, csp: str, *, https: bool) -> None:
    response.headers.setdefault(
        "Content-Security-Policy", DOCS_CSP if path.startswith(DOCS_URL) else csp
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if https:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _request_id(request: Request) -> str:
    """The caller's X-Request-ID when it is a sensible length, else a new one."""
    incoming = request.headers.get("x-request-id", "")
    return incoming if 0 < len(incoming) <= 64 else uuid.uuid4().hex


async def _answer(request: Request, call_next: CallNext, public_url: str) -> Response:
    """The route's answer, unless the request is refused as cross-site."""
    reason = csrf_rejection(request, public_url)
    if reason is None:
        return await call_next(request)
    log.warning("request.csrf_refused", path=route_template(request), reason=reason)
    return JSONResponse(error_body("csrf_failed", "Cross-site request refused."), status_code=403)


def install(app: FastAPI, settings: Settings) -> None:
    """Wrap every request of `app`."""
    csp = page_csp(settings)
    https = settings.public_url.startswith("https://")

    @app.middleware("http")
    async def request_context(request: Request, call_next: CallNext) -> Response:
        request_id = _request_id(request)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            try:
                response = await _answer(request, call_next, settings.public_url)
            except Exception:
                # The error escaped every handler: the server answers 500 and logs the
                # error itself; the request still gets its one line.
                seconds = time.perf_counter() - started
                route = route_template(request)
                process.observe_http(route, request.method, 500, seconds)
                log.error(
                    "request.finished",
                    method=request.method,
                    path=route,
                    status=500,
                    ms=round(seconds * 1000, 1),
                )
                raise
            response.headers["X-Request-ID"] = request_id
            _security_headers(response, request.url.path, csp, https=https)
            seconds = time.perf_counter() - started
            route = route_template(request)
            # By the route's template, like the log line: the path can hold a secret.
            process.observe_http(route, request.method, response.status_code, seconds)
            log.info(
                "request.finished",
                method=request.method,
                path=route,
                status=response.status_code,
                ms=round(seconds * 1000, 1),
            )
            return response
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
