"""Sending one delivery to a webhook: the body in the receiver's format, signed.

Every request carries `X-Potwise-Timestamp` (Unix seconds) and
`X-Potwise-Signature: sha256=<hex>`, the HMAC-SHA256 with the channel's secret of
`<timestamp>.<body>`: a receiver recomputes it over the raw body and refuses a
stale timestamp, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2

from potwise.services.notifications import events
from potwise.services.notifications.destinations import DestinationRefused

TIMEOUT_SECONDS = 10.0
USER_AGENT = "potwise-notifications"


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retry: bool  # worth trying again later (network, 5xx, 408, 429)
    error: str | None = None
    #: Not sent, gathered into the next digest instead (a channel's own limit).
    digest: bool = False
    # The receiver says this destination is gone for good (a push subscription's
    # 404 or 410): the channel is removed.
    gone: bool = False


def refused(exc: DestinationRefused) -> Outcome:
    """A destination this server does not send to: said plainly, not retried."""
    return Outcome(ok=False, retry=False, error=str(exc))


def answered(status: int, who: str = "receiver") -> Outcome:
    """The outcome of an HTTP answer: 2xx sent; a redirect is not followed (it could
    lead anywhere); 5xx, 408 and 429 are worth another try."""
    if 200 <= status < 300:
        return Outcome(ok=True, retry=False)
    if 300 <= status < 400:
        return Outcome(
            ok=False,
            retry=False,
            error=f"the {who} answered {status}, a redirect: potwise does not follow "
            "redirects, give the final address",
        )
    retry = status >= 500 or status in (408, 429)
    return Outcome(ok=False, retry=retry, error=f"the {who} answered {status}")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def title_of(event: str) -> str:
    if event == events.TEST:
        return "potwise: test"
    if event == events.DIGEST:
        return "potwise: your digest"
    return "potwise: " + events.BY_KEY[event].label.lower() if event in events.BY_KEY else "potwise"


def text_of(event: str, payload: dict[str, Any]) -> str:
    if event == events.DIGEST:
        lines = [f"• {item['message']}" for item in payload.get("notices", [])]
        return "\n".join(lines) or "Nothing new."
    return str(payload.get("message", ""))


def body_for(
    fmt: str, delivery_id: str, event: str, payload: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    """The request body and the format's own headers."""
    title, text = title_of(event), text_of(event, payload)
    urgent = event in events.BY_KEY and events.BY_KEY[event].priority == "high"
    if fmt == "slack":
        return json.dumps({"text": f"*{title}*\n{text}"}).encode(), {
            "Content-Type": "application/json"
        }
    if fmt == "ntfy":
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "Title": title,
            "Priority": "high" if urgent else "default",
            "Tags": "moneybag",
        }
        return text.encode(), headers
    if fmt == "gotify":
        body = {"title": title, "message": text, "priority": 8 if urgent else 5}
        return json.dumps(body).encode(), {"Content-Type": "application/json"}
    body = {"id": delivery_id, "event": event, "title": title, **payload}
    return json.dumps(body, sort_keys=True).encode(), {"Content-Type": "application/json"}


def send(
    client: httpx2.Client,
    config: dict[str, Any],
    *,
    delivery_id: str,
    event: str,
    payload: dict[str, Any],
    now: datetime,
) -> Outcome:
    body, headers = body_for(str(config.get("format", "json")), delivery_id, event, payload)
    timestamp = str(int(now.timestamp()))
    headers.update(
        {
            "User-Agent": USER_AGENT,
            "X-Potwise-Event": event,
            "X-Potwise-Delivery": delivery_id,
            "X-Potwise-Timestamp": timestamp,
            "X-Potwise-Signature": signature(str(config["secret"]), timestamp, body),
        }
    )
    try:
        response = client.post(
            str(config["url"]), content=body, headers=headers, timeout=TIMEOUT_SECONDS
        )
    except DestinationRefused as exc:
        return refused(exc)
    except httpx2.HTTPError as exc:
        return Outcome(
            ok=False, retry=True, error=f"could not reach the receiver ({type(exc).__name__})"
        )
    return answered(response.status_code)
