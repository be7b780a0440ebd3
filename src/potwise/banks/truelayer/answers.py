"""Reading the Data API's answers: the `results` envelope (numbers as Decimal, never
float), validation in chunks, the failures that mean "none of these here", and when
a balance was seen.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, TypeAdapter, ValidationError

from potwise import clock
from potwise.banks.errors import BadResponse
from potwise.banks.truelayer import schemas
from potwise.banks.truelayer.failures import PROVIDER, error_body

M = TypeVar("M", bound=BaseModel)


def results(response: httpx2.Response, *, what: str) -> list[Any]:
    """The envelope's `results`, with numbers parsed as Decimal (never float)."""
    if not response.content.strip():
        return []  # an empty body is an empty list (reference §3.3)
    try:
        data = json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise BadResponse(
            f"TrueLayer {what}: HTTP {response.status_code} with a body that is not JSON",
            provider=PROVIDER,
        ) from exc
    if not isinstance(data, dict):
        raise BadResponse(f"TrueLayer {what}: the answer is not an object", provider=PROVIDER)
    try:
        envelope = schemas.Envelope.model_validate(data)
    except ValidationError as exc:
        raise BadResponse(
            f"TrueLayer {what}: malformed envelope ({exc.error_count()} errors)",
            provider=PROVIDER,
        ) from exc
    # `status` is often absent; when present it must say the work is done.
    if envelope.status is not None and envelope.status.lower() != "succeeded":
        raise BadResponse(
            f"TrueLayer {what}: results status is {envelope.status!r}", provider=PROVIDER
        )
    return envelope.results


@functools.cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


#: Items validated per call. A card's whole history comes in one answer (a thousand
#: items and more); validating it in one call would hold the interpreter for tens of
#: milliseconds, stalling every other thread's bank calls (a Monzo page walk beside it).
VALIDATE_CHUNK = 100


def validate(results: list[Any], model: type[M], *, what: str) -> list[M]:
    adapter = _list_adapter(model)
    items: list[M] = []
    start = 0
    try:
        for start in range(0, len(results), VALIDATE_CHUNK):
            items.extend(adapter.validate_python(results[start : start + VALIDATE_CHUNK]))
        return items
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        if loc and isinstance(loc[0], int):
            loc[0] += start  # the index in the whole answer, not in the chunk
        where = ".".join(str(part) for part in loc)
        raise BadResponse(
            f"TrueLayer {what}: unexpected shape at {where} ({first['type']})",
            provider=PROVIDER,
        ) from exc


def not_applicable(
    response: httpx2.Response, *, not_supported_ok: bool, access_denied_ok: bool
) -> bool:
    """Whether this failure means "this provider has none of these" (reference §6)."""
    status = response.status_code
    if status == 501 and not_supported_ok:
        return True
    if status == 403 and access_denied_ok:
        code = (error_body(response).error or "").strip().lower()
        return code == "access_denied"
    return False


def observed_at(response: httpx2.Response) -> datetime:
    """When the balance was seen, for providers that send no `update_timestamp`:
    the response's `Date` header (the provider's clock), else our own."""
    header = response.headers.get("Date")
    if header:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return clock.now()
