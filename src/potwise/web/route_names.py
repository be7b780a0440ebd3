"""How a request's address is named in the log: by its route template, never the path.

Paths carry secrets (a Monzo webhook's `/webhooks/monzo/{secret}`) and identifiers, so
log lines name the route that matched, e.g. `/webhooks/monzo/{secret}`. An address that
matched no route is attacker-chosen or mistyped (a webhook address with one character
wrong still holds the rest of the secret), and so is one refused before routing: no part
of it is logged, only a fixed marker; the request id ties the line to the rest.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import replace_params

UNMATCHED = "(unmatched)"


def route_template(request: Request) -> str:
    """The full template of the route that answered `request`, or UNMATCHED."""
    route: Any = request.scope.get("route")
    template = getattr(route, "path_format", None)
    convertors = getattr(route, "param_convertors", None)
    if not isinstance(template, str) or not isinstance(convertors, dict):
        return UNMATCHED
    params = dict(request.scope.get("path_params") or {})
    if set(params) - set(convertors):
        return UNMATCHED  # parameters outside the route's own template: not ours to name
    # The route's template is relative to the routers it is included in; their prefixes
    # are what the concrete path has before the route's own part.
    try:
        own_part, _ = replace_params(template, convertors, params)
    except (KeyError, ValueError, AssertionError):
        return UNMATCHED
    path = str(request.scope.get("path", ""))
    if not path.endswith(own_part):
        return UNMATCHED
    return path[: len(path) - len(own_part)] + template
