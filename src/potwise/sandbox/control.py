"""The control API under /_sandbox (JSON), as CONTRACT.md lists it, and its HTML page.

The clock, resets, users and their households, scenario data, household life
(`life`), the count of bank requests (`requests`), faults, OAuth clients, and
what the sandbox saw (webhook deliveries, feed items). Errors are
`ControlError`s, answered as `{"error": {"code", "message"}}`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox.clients import OAuthClient
from potwise.sandbox.clock import monzo_time, parse_duration, parse_instant
from potwise.sandbox.control_page import ControlPage
from potwise.sandbox.control_scenarios import add_transaction, set_balance
from potwise.sandbox.control_users import check_years, create_users, find_household
from potwise.sandbox.control_views import household_view, truth_view
from potwise.sandbox.errors import ControlError, control_error_handler, json_response
from potwise.sandbox.faults import FaultSpecError
from potwise.sandbox.ledger import ledger_view
from potwise.sandbox.routes import router_of

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

__all__ = [
    "ControlError",
    "build_router",
    "control_error_handler",
    "household_view",
    "truth_view",
]


async def _body(request: Request) -> dict[str, Any]:
    if not (await request.body()):
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise ControlError(400, "bad_json", "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError(400, "bad_json", "the body must be a JSON object")
    return data


class ControlApi:
    """The JSON handlers, bound to one sandbox world."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world

    def _clock_view(self) -> dict[str, Any]:
        clock = self.world.clock
        return {"now": monzo_time(clock.now()), "frozen": clock.frozen, "rate": clock.rate}

    # ---------------------------------------------------------- the clock
    async def get_clock(self) -> Response:
        self.world.clock_read_at = time.monotonic()  # a client follows the clock
        return json_response(self._clock_view())

    def _not_while_life_plays(self) -> None:
        if self.world.life.playing:
            raise ControlError(
                409, "life_playing", "life is playing and moves the clock; stop it first"
            )

    async def move_clock(self, request: Request) -> Response:
        data = await _body(request)
        self._not_while_life_plays()
        clock = self.world.clock
        try:
            if "advance" in data:
                clock.advance(parse_duration(str(data["advance"])))
            elif "set" in data:
                clock.set(parse_instant(str(data["set"])))
            else:
                raise ControlError(400, "bad_clock", 'give {"advance": "PT3H"} or {"set": ...}')
        except ValueError as error:
            raise ControlError(400, "bad_clock", str(error)) from None
        self.world.advance_all()
        return json_response(self._clock_view())

    async def reset(self, request: Request) -> Response:
        data = await _body(request)
        seed, years = data.get("seed"), data.get("years")
        if seed is not None and not isinstance(seed, int):
            raise ControlError(400, "bad_seed", "seed must be an integer")
        check_years(years)
        self._not_while_life_plays()
        world = self.world
        world.reset(seed, years)
        return json_response(
            {
                "seed": world.seed,
                "years": world.years,
                "users": world.user_names(),
                **self._clock_view(),
            }
        )

    # ---------------------------------------------------------- users
    async def list_users(self) -> Response:
        return json_response({"users": self.world.user_names()})

    async def add_users(self, request: Request) -> Response:
        return json_response(create_users(self.world, await _body(request)), 201)

    async def get_user(self, user: str) -> Response:
        return json_response(household_view(self.world, find_household(self.world, user)))

    async def approve(self, user: str) -> Response:
        find_household(self.world, user)
        return json_response({"approved": self.world.monzo.approve(user)})

    async def add_transaction(self, user: str, request: Request) -> Response:
        h = find_household(self.world, user)
        return json_response(add_transaction(self.world, h, await _body(request)), 201)

    async def set_balance(self, user: str, request: Request) -> Response:
        h = find_household(self.world, user)
        return json_response(set_balance(self.world, h, await _body(request)))

    async def ledger(self, user: str) -> Response:
        return json_response({"moves": ledger_view(find_household(self.world, user))})

    async def truth(self, user: str) -> Response:
        return json_response(truth_view(find_household(self.world, user)))

    # ---------------------------------------------------------- life and requests
    async def get_life(self) -> Response:
        return json_response(self.world.life.view())

    async def start_life(self, request: Request) -> Response:
        return json_response(self.world.life.start(await _body(request)), 202)

    async def stop_life(self) -> Response:
        await self.world.life.stopped()
        return json_response(self.world.life.view())

    async def get_requests(self, request: Request) -> Response:
        by = request.query_params.get("by")
        if by not in (None, "", "day"):
            raise ControlError(400, "bad_by", "by must be 'day' (or left out)")
        book = self.world.requests
        return json_response(book.by_day() if by == "day" else book.view())

    async def reset_requests(self) -> Response:
        since = self.world.requests.reset()
        return json_response({"since": since.isoformat(), "total": 0, "requests": []})

    # ---------------------------------------------------------- faults, clients, what was seen
    async def list_faults(self) -> Response:
        return json_response({"faults": [f.view() for f in self.world.faults.list()]})

    async def add_fault(self, request: Request) -> Response:
        try:
            fault = self.world.faults.add(await _body(request))
        except (FaultSpecError, ValueError, TypeError) as error:
            raise ControlError(400, "bad_fault", str(error)) from None
        return json_response(fault.view(), 201)

    async def clear_faults(self) -> Response:
        self.world.faults.clear()
        return json_response({"faults": []})

    async def add_client(self, request: Request) -> Response:
        data = await _body(request)
        if not data.get("client_id") or not data.get("client_secret"):
            raise ControlError(400, "bad_client", "client_id and client_secret are required")
        uris = data.get("redirect_uris")
        client = self.world.clients.add(
            OAuthClient(
                str(data["client_id"]),
                str(data["client_secret"]),
                confidential=bool(data.get("confidential", True)),
                redirect_uris=[str(u) for u in uris] if isinstance(uris, list) else None,
            )
        )
        return json_response(
            {
                "client_id": client.client_id,
                "confidential": client.confidential,
                "redirect_uris": client.redirect_uris,
            },
            201,
        )

    async def deliveries(self) -> Response:
        return json_response({"deliveries": self.world.webhooks.view()})

    async def feed(self) -> Response:
        return json_response({"items": self.world.feed_items})


def build_router(world: SandboxWorld) -> APIRouter:
    api, page = ControlApi(world), ControlPage(world)
    return router_of(
        [
            ("GET", "/clock", api.get_clock),
            ("POST", "/clock", api.move_clock),
            ("POST", "/reset", api.reset),
            ("GET", "/users", api.list_users),
            ("POST", "/users", api.add_users),
            ("GET", "/users/{user}", api.get_user),
            ("POST", "/users/{user}/monzo/approve", api.approve),
            ("POST", "/users/{user}/transactions", api.add_transaction),
            ("POST", "/users/{user}/balance", api.set_balance),
            ("GET", "/users/{user}/ledger", api.ledger),
            ("GET", "/users/{user}/truth", api.truth),
            ("GET", "/life", api.get_life),
            ("POST", "/life", api.start_life),
            ("DELETE", "/life", api.stop_life),
            ("GET", "/requests", api.get_requests),
            ("DELETE", "/requests", api.reset_requests),
            ("GET", "/faults", api.list_faults),
            ("POST", "/faults", api.add_fault),
            ("DELETE", "/faults", api.clear_faults),
            ("POST", "/clients", api.add_client),
            ("GET", "/webhooks/deliveries", api.deliveries),
            ("GET", "/feed", api.feed),
            # The HTML page and its buttons.
            ("GET", "", page.page),
            ("POST", "/ui/{action}", page.act),
        ]
    )
