"""The sandbox's routers, written as tables: (verb, path, handler) in matching order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter

Route = tuple[str, str, Callable[..., Any]]


def router_of(routes: Iterable[Route]) -> APIRouter:
    """A router with each handler at its path; handlers answer with their own responses."""
    router = APIRouter()
    for verb, path, handler in routes:
        router.add_api_route(path, handler, methods=[verb], response_model=None)
    return router
