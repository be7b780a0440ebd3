"""Server-rendered HTML for people: authorize pages, provider picker, the control page,
and the answers the authorize pages share (a refusal page, the redirect back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


_env.filters["pounds"] = pounds


def render(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)


async def form_fields(request: Request) -> dict[str, str]:
    """A form body as plain strings."""
    return {k: str(v) for k, v in (await request.form()).items()}


def error_page(title: str, problem: str) -> HTMLResponse:
    """An authorize page's refusal, for the person at the browser (400)."""
    return HTMLResponse(render("error.html", title=title, problem=problem), 400)


def redirect_back(redirect_uri: str, query: dict[str, str]) -> RedirectResponse:
    """Back to the client's redirect URI with `query` added to any query it has (302)."""
    sep = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + sep + urlencode(query), 302)


def access_denied(form: dict[str, str]) -> RedirectResponse:
    """The person declined: `error=access_denied` (and the client's state) to the client."""
    query = {"error": "access_denied"}
    if form.get("state"):
        query["state"] = form["state"]
    return redirect_back(form["redirect_uri"], query)
