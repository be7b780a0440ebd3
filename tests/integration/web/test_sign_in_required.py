"""Every page but sign-in's own asks an anonymous visitor to sign in, and brings them back."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from potwise.web import ui
from potwise.web.ui import site
from potwise.web.ui.site import FLASH_MESSAGES, ROUTERS, flash_registry

# Pages anyone may open: signing in and up, signing out, the bank's way back
# (which explains itself to a signed-out browser instead of redirecting), and the
# pages links in e-mail lead to (the link's token is the credential), and what makes
# the app installable (a browser fetches the manifest and the service worker without
# the session; neither holds anything of a user's).
PUBLIC = {
    "/manifest.webmanifest",
    "/sw.js",
    "/login",
    "/login/code",
    "/register",
    "/logout",
    "/connections/{provider}/callback",
    "/forgot-password",
    "/reset-password",
    "/verify",
    "/settings/email/confirm",
    "/mail/unsubscribe",
}


def _page_routes() -> list[tuple[str, str]]:
    return [
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path not in PUBLIC
        for method in sorted(route.methods)
    ]


def test_every_page_sends_an_anonymous_visitor_to_sign_in(app: FastAPI) -> None:
    client = TestClient(app)
    routes = _page_routes()
    assert len(routes) > 40
    for method, template in routes:
        path = re.sub(r"\{[^}]+\}", "someid", template)
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 303, (method, path)
        expected = "/login" if path == "/" else f"/login?next={path}"
        assert response.headers["location"] == expected, (method, path)


def test_a_flash_code_can_be_declared_only_once() -> None:
    assert FLASH_MESSAGES["signed_out"] == ("info", "You have signed out.")
    with pytest.raises(ValueError, match="saved"):
        flash_registry([{"saved": ("success", "Saved.")}, {"saved": ("info", "Again.")}])


def test_every_page_module_is_mounted_and_its_flash_messages_registered() -> None:
    modules = [
        importlib.import_module(f"potwise.web.ui.{info.name}")
        for info in pkgutil.iter_modules(ui.__path__)
    ]
    routers = [m.router for m in modules if isinstance(getattr(m, "router", None), APIRouter)]
    assert sorted(map(id, routers)) == sorted(map(id, ROUTERS))
    for module in modules:
        for code, message in getattr(module, "FLASH_MESSAGES", {}).items():
            assert site.FLASH_MESSAGES[code] == message, (module.__name__, code)
