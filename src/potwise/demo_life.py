"""`potwise demo --fast-forward 30d`: play household life in the demo's sandbox while
the product follows its clock, and say what happened.

The sandbox's clock is moved in steps (`POST /_sandbox/life`); the product, which
follows that clock (`POTWISE_CLOCK_URL`), runs its scheduler, receives Monzo's
webhooks and runs its rules as the days go by. Afterwards the dashboard, the rule's
history and the sandbox's request counts show the month.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx2

from potwise.demo import SANDBOX_USER

#: Simulated seconds per real second: half a day each second.
SPEED = 43_200
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhw])\s*$", re.IGNORECASE)
_DAYS_PER = {"d": 1.0, "h": 1 / 24, "w": 7.0}


def parse_span(text: str) -> float:
    """Days in "30d", "12h" or "2w"; ValueError with a plain message otherwise."""
    found = _SPAN.match(text)
    if found is None:
        raise ValueError(f"give a span like 30d, 12h or 2w, not {text!r}")
    days = float(found.group(1)) * _DAYS_PER[found.group(2).lower()]
    if not 0 < days <= 366:
        raise ValueError("the span must be more than nothing and at most a year")
    return days


def fast_forward(sandbox_url: str, days: float, say: Callable[[str], Any]) -> dict[str, Any]:
    """Play `days` of life in the sandbox and wait for it; returns the sandbox's view of
    the life played, with the bank requests it counted."""
    with httpx2.Client(base_url=sandbox_url, timeout=30) as http:
        http.delete("/_sandbox/requests").raise_for_status()
        started = http.post(
            "/_sandbox/life", json={"user": SANDBOX_USER, "days": days, "speed": SPEED}
        )
        started.raise_for_status()
        say(f"playing {days:g} days of household life (about {days * 86400 / SPEED:.0f} s)...")
        shown = -1
        while True:
            view = http.get("/_sandbox/life").json()
            if not view.get("playing"):
                break
            done = int(float(view.get("progress", 0)) * 10)
            if done != shown:
                shown = done
                say(f"  {view.get('now', '')[:16]}  {done * 10}%")
            time.sleep(0.5)
        requests = http.get("/_sandbox/requests").json()
        ledger = http.get(f"/_sandbox/users/{SANDBOX_USER}/ledger").json()["moves"]
    moves = [m for m in ledger if str(m.get("dedupe_id", "")).startswith("potwise-")]
    return {"life": view, "requests": requests["total"], "moves": len(moves)}
