"""One place maps errors to HTTP: `{"error": {"code", "message"}}` with the right status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from potwise.banks.errors import BankError
from potwise.domain.errors import PotwiseError
from potwise.logs import get_logger
from potwise.web.route_names import route_template
from potwise.web.ui.access import SignInRequired, sign_in_redirect

log = get_logger(__name__)

CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "too_many_requests",
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get(
        "accept", ""
    )


def _error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message},
        status_code=status,
        headers=headers,
    )
    return response


async def _potwise_error(request: Request, exc: Exception) -> Response:
    """Any error of ours answers with the status it carries: an invalid request (4xx) or
    a bank that failed us (5xx, 429, 409), never a 500."""
    if not isinstance(exc, PotwiseError):  # pragma: no cover - registered for this type
        raise exc
    if isinstance(exc, BankError):
        log.warning(
            "request.bank_failed",
            path=route_template(request),
            error=exc.code,
            provider=exc.provider,
            status=exc.status_code,
        )
    if not _wants_json(request):
        return _error_page(request, exc.status_code, exc.message, exc.headers)
    return JSONResponse(
        error_body(exc.code, exc.message), status_code=exc.status_code, headers=exc.headers
    )


async def _http_error(request: Request, exc: Exception) -> Any:
    if not isinstance(exc, StarletteHTTPException):  # pragma: no cover - registered for this type
        raise exc
    code = CODE_BY_STATUS.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    if not _wants_json(request) and exc.status_code == 404:
        return _error_page(request, 404, "This page does not exist.")
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):  # pragma: no cover - registered for this type
        raise exc
    details = [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", "")}
        for err in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid"}
    where = ".".join(part for part in first["loc"] if part not in {"body", "query"})
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return JSONResponse(error_body("validation_error", message, details=details), status_code=422)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("request.unhandled_error", path=route_template(request), error=type(exc).__name__)
    return JSONResponse(
        error_body("internal_error", "Something went wrong on our side."), status_code=500
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(PotwiseError, _potwise_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
