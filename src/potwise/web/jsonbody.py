"""Reading a JSON body ourselves: bounded in size as it arrives, and in nesting depth.

Python's parser recurses once per level, so a body of 100,000 `[` would end in a
RecursionError deep inside it; nothing we accept nests more than a few levels, so a
body nested deeper than `MAX_DEPTH` is refused before it is parsed.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from fastapi import Request

from potwise.services.errors import InvalidInput, PayloadTooLarge
from potwise.web.limits import too_large_message

MAX_DEPTH = 32

# A JSON string, escapes included: brackets inside one do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def nesting_depth(body: bytes) -> int:
    """How deep the arrays and objects of `body` nest (0 for a bare value)."""
    brackets = b"".join(_BRACKETS.findall(_STRING.sub(b'""', body)))
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def loads(body: bytes, what: str) -> Any:
    """`body` parsed, or InvalidInput naming `what` when it is not JSON or nests too deep."""
    if nesting_depth(body) > MAX_DEPTH:
        raise InvalidInput(f"{what} nests deeper than {MAX_DEPTH} levels.")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what} is not JSON.") from exc


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The request's body, refused with 413 as soon as it passes `max_bytes`."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(too_large_message(max_bytes))
        chunks.append(chunk)
    return b"".join(chunks)
