"""TrueLayer sends money as JSON numbers in major units (``-23.47``, ``100``).

Internally everything is integer pence; this module turns pence into exact
decimal JSON numbers without passing through binary floats, by rendering
``Decimal`` values as raw number tokens.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

_MARK = "\u0000dec:"
_MARKED = re.compile(r'"\\u0000dec:(-?[0-9.]+)"')


def pence_to_major(pence: int) -> Decimal:
    """Exact major-unit value; integral pounds lose the decimal point as in real data."""
    value = Decimal(pence).scaleb(-2)
    if pence % 100 == 0:
        return Decimal(pence // 100)
    return value


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return _MARK + text
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: Any) -> bytes:
    """JSON with ``Decimal`` written as plain numbers."""
    text = json.dumps(payload, default=_default, separators=(",", ":"), ensure_ascii=False)
    if "\\u0000dec:" in text:
        text = _MARKED.sub(r"\1", text)
    return text.encode()
