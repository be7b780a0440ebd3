"""The security suite drives the app over HTTP like the integration tests do."""

from __future__ import annotations

from tests.integration.conftest import alice, app, bob, client

__all__ = ["alice", "app", "bob", "client"]
