"""The API reference at /api/docs: Swagger UI, served from this server alone.

The Swagger UI bundle and its stylesheet come from the `fastapi-offline` package
(its copy of `swagger-ui-dist` 5, which reads OpenAPI 3.1): nothing is fetched from
a CDN and no third-party file lives in our tree. The page starts Swagger UI with our
own `/static/js/api-docs.js` instead of an inline script, so its policy needs no
'unsafe-inline' for scripts or styles (Swagger UI sets styles through the DOM, which
`style-src` allows). The middleware gives /api/docs paths `DOCS_CSP` instead of the
pages' policy: it names each kind of resource the reference loads, all from here,
and forms may post only here (the pages also let forms lead on to the banks).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/api/docs"
ASSETS_URL = f"{DOCS_URL}/assets"

# Only what a browser needs to show the reference and try calls on this server:
# scripts, styles, fonts and "Try it out" requests from here; images from here or
# data: URIs (the stylesheet's icons); nothing else.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


def _assets_dir() -> Path:
    """The directory of Swagger UI's files inside the installed package."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def docs_page(openapi_url: str, title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="{escape(openapi_url)}"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
"""


def install(app: FastAPI) -> None:
    """The reference page and Swagger UI's files."""
    openapi_url = app.openapi_url or "/api/openapi.json"
    page = docs_page(openapi_url, f"{app.title} API")

    @app.get(DOCS_URL, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(page)

    app.mount(ASSETS_URL, StaticFiles(directory=_assets_dir()), name="docs-assets")
