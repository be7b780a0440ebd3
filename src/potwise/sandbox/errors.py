"""Error bodies in each API's own shape, raised from handlers and rendered in one place."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response


class MonzoError(Exception):
    """Monzo: `{"code", "message", "retryable": {}}`; auth errors add OAuth's `error`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        oauth_error: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.oauth_error = oauth_error
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "retryable": {}}
        if self.oauth_error:
            body["error"] = self.oauth_error
            body["error_description"] = self.message
        return body


class TrueLayerError(Exception):
    """TrueLayer: `{"error", "error_description", "error_details": {}}`."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str = "",
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        bare: bool = False,
    ) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.description = description
        self.details = details or {}
        self.headers = headers or {}
        # The token endpoint's `invalid_grant` example is just {"error": "invalid_grant"}.
        self.bare = bare

    def body(self) -> dict[str, Any]:
        if self.bare:
            return {"error": self.error}
        return {
            "error": self.error,
            "error_description": self.description,
            "error_details": self.details,
        }


class ControlError(Exception):
    """The control API (/_sandbox): `{"error": {"code", "message"}}`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
        headers=headers,
    )


async def monzo_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, MonzoError):
        raise exc
    return json_response(exc.body(), exc.status, exc.headers)


async def truelayer_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, TrueLayerError):
        raise exc
    return json_response(exc.body(), exc.status, exc.headers)


async def control_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ControlError):
        raise exc
    return json_response({"error": {"code": exc.code, "message": exc.message}}, exc.status)


def not_found_body(path: str, status: int) -> tuple[dict[str, Any], int]:
    """Unknown paths and wrong verbs, answered in the shape of the API the path belongs to."""
    if path.startswith("/monzo"):
        if status == 405:
            return {
                "code": "method_not_allowed",
                "message": "Method not allowed",
                "retryable": {},
            }, 405  # [A] reference's pick
        return {"code": "not_found", "message": "Not found", "retryable": {}}, 404
    if path.startswith("/truelayer"):
        if status == 405:
            return {
                "error": "method_not_allowed",
                "error_description": "Method not allowed",
                "error_details": {},
            }, 405
        return {
            "error": "not_found",
            "error_description": "Resource not found",
            "error_details": {},
        }, 404
    return {"error": {"code": "not_found", "message": "Not found"}}, status
