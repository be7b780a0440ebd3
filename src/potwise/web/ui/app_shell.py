"""The installable app: the web app manifest and the service worker, both public (a
browser fetches them without the session) and served from the root so the worker's
scope is the whole site. What the worker caches, and why never figures, is said
in its own file (`static/js/sw.js`)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from potwise import __version__

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
# The page background and brand colour, light and dark (as in static/css/app.css).
LIGHT_BACKGROUND = "#f6f7f5"
DARK_BACKGROUND = "#0f1413"
BRAND = "#0f766e"


def manifest() -> dict[str, Any]:
    icons = [
        {"src": f"/static/icons/icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    return {
        "id": "/",
        "name": "potwise",
        "short_name": "potwise",
        "description": "Your money autopilot: pots, cards and what is safe to spend.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": LIGHT_BACKGROUND,
        "theme_color": BRAND,
        "lang": "en-GB",
        "icons": [
            *({**icon, "purpose": "any"} for icon in icons),
            # The mark sits inside the middle 80 %: safe for a launcher's mask.
            *({**icon, "purpose": "maskable"} for icon in icons),
        ],
    }


@cache
def _worker_script() -> str:
    # The version names the worker's cache: a new release replaces the old cache.
    text = (STATIC / "js" / "sw.js").read_text(encoding="utf-8")
    return text.replace("__VERSION__", __version__)


@router.get("/manifest.webmanifest")
def web_manifest() -> Response:
    return JSONResponse(
        manifest(),
        media_type="application/manifest+json",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/sw.js")
def service_worker() -> Response:
    return Response(
        _worker_script(),
        media_type="text/javascript",
        # Checked with the server on every update check, so a release reaches
        # installed apps at once.
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )
