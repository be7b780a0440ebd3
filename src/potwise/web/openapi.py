"""What the OpenAPI document says beyond FastAPI's defaults, for every operation alike.

The two ways to authenticate are security schemes of `web/security.py`'s
`require_caller`, so FastAPI itself lists them on each operation that needs a caller.
Here, every operation gets the error body the server really sends (`web/errors.py`:
`{"error": {"code", "message", "details"}}`) in place of FastAPI's `{"detail"}` /
`HTTPValidationError`, for the statuses its kind of operation can answer:

| status | documented on |
|---|---|
| 400 | operations with a request body (input the schema cannot express) |
| 401 | operations that require a caller (they list a security scheme) |
| 403 | unsafe methods (a browser's cross-site request is refused) |
| 404 | operations with a path parameter (missing, or someone else's) |
| 409 | unsafe methods (a conflict with the current state, or a bank awaiting the user) |
| 422 | operations with parameters or a body (request validation) |
| 429 | unsafe methods (sign-in attempts and the banks' limits) |

The rules read the generated document, not a list of routes, so a router added
later is documented the same way. A status a route declares itself keeps its words
(and its model, if it names one).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

UNSAFE = frozenset({"post", "put", "patch", "delete"})
METHODS = UNSAFE | {"get", "head", "options"}
FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


class ValidationIssue(BaseModel):
    """One invalid parameter or body field."""

    loc: list[str] = Field(description='Where: e.g. ["body", "config", "threshold"].')
    msg: str = Field(description="What is wrong with it.")


class ErrorInfo(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. `not_found`.")
    message: str = Field(description="For a person: what went wrong.")
    details: list[ValidationIssue] | None = Field(
        default=None, description="Each invalid field; on `validation_error` (422) only."
    )


class ErrorResponse(BaseModel):
    """The body of every error the API answers."""

    error: ErrorInfo


ERROR_REF = "#/components/schemas/ErrorResponse"
DESCRIPTIONS = {
    "400": "Invalid input (`invalid_input`, `weak_password`, ...).",
    "401": "Not signed in, or the API token is missing, unknown, expired or revoked "
    "(`unauthenticated`).",
    "403": "Refused: a browser's cross-site request (`csrf_failed`), or not allowed here.",
    "404": "Not found, or not yours: the API never says which (`not_found`).",
    "409": "Conflicts with the current state, or the bank waits for the user (a consent "
    "to renew, an approval in the app).",
    "422": "Invalid parameters or body (`validation_error`); `details` lists each field.",
    "429": "Too many requests: try again after the `Retry-After` header's seconds.",
}


def install(app: FastAPI) -> None:
    """Build the document once, when first asked for, with the error bodies added."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                openapi_version=app.openapi_version,
            )
            document_errors(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document_errors(schema: dict[str, Any]) -> None:
    """Give every operation of `schema` its error responses, in place."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_error_schemas())
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method in METHODS:
                _document_operation(operation, method)
    for name in FASTAPI_VALIDATION:
        schemas.pop(name, None)


def _error_schemas() -> dict[str, Any]:
    _, top = models_json_schema(
        [(ErrorResponse, "validation")], ref_template="#/components/schemas/{model}"
    )
    defs: dict[str, Any] = top["$defs"]
    return defs


def _document_operation(operation: dict[str, Any], method: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in error_statuses(operation, method):
        answer = responses.get(status)
        if answer is None or _is_fastapi_validation(answer):
            responses[status] = _error_response(status)
    if "422" in responses and _is_fastapi_validation(responses["422"]):
        responses["422"] = _error_response("422")
    # A 4xx a route declares with words only (`responses={401: {"description": ...}}`)
    # gets the body too.
    for status, answer in responses.items():
        if status.startswith("4") and not _schema_of(answer):
            answer["content"] = {"application/json": {"schema": {"$ref": ERROR_REF}}}


def error_statuses(operation: dict[str, Any], method: str) -> list[str]:
    """The error statuses an operation of this shape can answer (the table above)."""
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    rules = {
        "400": has_body,
        "401": bool(operation.get("security")),
        "403": method in UNSAFE,
        "404": any(p.get("in") == "path" for p in parameters),
        "409": method in UNSAFE,
        "422": bool(parameters) or has_body,
        "429": method in UNSAFE,
    }
    return [status for status, applies in rules.items() if applies]


def _error_response(status: str) -> dict[str, Any]:
    return {
        "description": DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }


def _schema_of(answer: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = answer.get("content", {}).get("application/json", {}).get("schema", {})
    return schema


def _is_fastapi_validation(answer: dict[str, Any]) -> bool:
    return str(_schema_of(answer).get("$ref", "")).endswith("/HTTPValidationError")
