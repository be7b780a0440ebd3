"""What makes potwise installable, served to anyone: the manifest (with real PNG icons)
and the service worker, from the root, with the right types and under the pages' CSP."""

from __future__ import annotations

import struct

from fastapi.testclient import TestClient


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_the_manifest_describes_an_installable_app(client: TestClient) -> None:
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["name"] == manifest["short_name"] == "potwise"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    assert manifest["theme_color"].startswith("#")
    sizes = set()
    for icon in manifest["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        assert png.headers["content-type"] == "image/png"
        width, height = _png_size(png.content)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(width)
    assert sizes == {192, 512}


def test_the_service_worker_is_served_from_the_root(client: TestClient) -> None:
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["service-worker-allowed"] == "/"
    assert answer.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "__VERSION__" not in answer.text  # its cache is named for this release
    assert "showNotification" in answer.text


def test_every_page_links_the_manifest_and_both_theme_colours(client: TestClient) -> None:
    page = client.get("/login").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'content="#f6f7f5" media="(prefers-color-scheme: light)"' in page
    assert 'content="#0f1413" media="(prefers-color-scheme: dark)"' in page


def test_the_offline_page_holds_no_figures(client: TestClient) -> None:
    offline = client.get("/static/offline.html")
    assert offline.status_code == 200
    assert "needs a connection to show your figures" in offline.text
    assert "£" not in offline.text
    assert "<script" not in offline.text


def test_the_push_key_needs_a_signed_in_caller(client: TestClient) -> None:
    answer = client.get("/api/v1/notifications/webpush/key")
    assert answer.status_code == 401
