"""The control page (/_sandbox): a person's view of a household and a few buttons.

Each button posts to /_sandbox/ui/{action}; the action's outcome comes back as
a message on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from potwise.sandbox.clock import monzo_time, parse_duration
from potwise.sandbox.control_scenarios import KINDS, add_transaction
from potwise.sandbox.control_users import find_household
from potwise.sandbox.control_views import household_view
from potwise.sandbox.errors import ControlError
from potwise.sandbox.household import Household
from potwise.sandbox.ledger import ledger_view
from potwise.sandbox.pages import form_fields, render
from potwise.sandbox.providers import PROVIDERS

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

Action = Callable[["SandboxWorld", str, Household, dict[str, str]], str]


def _approve(world: SandboxWorld, name: str, h: Household, form: dict[str, str]) -> str:
    return f"approved {world.monzo.approve(name)} pending Monzo login(s)"


def _move_clock(world: SandboxWorld, name: str, h: Household, form: dict[str, str]) -> str:
    if world.life.playing:
        return "life is playing and moves the clock; stop it first"
    world.clock.advance(parse_duration(form.get("advance", "P1D")))
    world.advance_all()
    return f"clock moved to {monzo_time(world.clock.now())}"


def _add_transaction(world: SandboxWorld, name: str, h: Household, form: dict[str, str]) -> str:
    result = add_transaction(
        world,
        h,
        {
            "bank": form.get("bank", "monzo"),
            "kind": form.get("kind", "purchase"),
            "amount": int((Decimal(form.get("amount") or "0") * 100).to_integral_value()),
            "description": form.get("description", ""),
            "pending": form.get("pending") == "on",
        },
    )
    return f"added {result['transaction_id']}"


def _start_life(world: SandboxWorld, name: str, h: Household, form: dict[str, str]) -> str:
    world.life.start(
        {
            "user": name,
            "days": float(form.get("days") or 30),
            "speed": float(form.get("speed") or 86400),
            "settle_ms": int(form.get("settle_ms") or 200),
        }
    )
    return f"life is playing for {name}"


def _stop_life(world: SandboxWorld, name: str, h: Household, form: dict[str, str]) -> str:
    world.life.stop()
    return "life stops after its current step"


def _clear_faults(world: SandboxWorld, name: str, h: Household, form: dict[str, str]) -> str:
    world.faults.clear()
    return "faults cleared"


ACTIONS: dict[str, Action] = {
    "approve": _approve,
    "clock": _move_clock,
    "transaction": _add_transaction,
    "clear_faults": _clear_faults,
    "life": _start_life,
    "life_stop": _stop_life,
}


class ControlPage:
    def __init__(self, world: SandboxWorld) -> None:
        self.world = world

    async def page(self, request: Request) -> Response:
        world = self.world
        name = request.query_params.get("user", "demo")
        if not world.has_user(name):
            name = "demo"
        h = find_household(world, name)
        view = household_view(world, h)
        personal = h.monzo_accounts[h.personal_id]
        recent = personal.txs[-15:][::-1]
        return HTMLResponse(
            render(
                "control.html",
                view=view,
                users=world.user_names(),
                user=name,
                now=monzo_time(world.clock.now()),
                faults=[f.view() for f in world.faults.list()],
                moves=ledger_view(h)[-15:][::-1],
                recent=recent,
                message=request.query_params.get("message", ""),
                kinds=KINDS,
                providers=PROVIDERS,
                life=world.life.view(),
            )
        )

    async def act(self, action: str, request: Request) -> Response:
        form = await form_fields(request)
        name = form.get("user", "demo")
        try:
            h = find_household(self.world, name)
            handler = ACTIONS.get(action)
            message = handler(self.world, name, h, form) if handler else f"unknown action {action}"
        except (ControlError, ValueError, InvalidOperation) as error:
            message = str(error)
        return RedirectResponse(f"/_sandbox?user={name}&message={message}", status_code=303)
