"""Household life, played: the clock moved for a user's household while its days happen.

`POST /_sandbox/life {"user", "days", "speed"}` starts it; `GET` shows progress;
`DELETE` stops it. Life is the generator's ordinary days (card purchases, with a
pending stage on the Amex and Barclaycard and without on a Capital One card,
refunds, card repayments on their due dates, salary, Monzo card spending, pot
moves by hand) reached by moving the clock; nothing is added that moving the
clock with `POST /_sandbox/clock` would not also produce.

Pacing. While life plays the clock is frozen and only the driver moves it, in
steps: to the household's next event or by `speed` times a tick (tick `tick_ms`,
about 50 ms of real time), whichever is sooner, never across a UTC midnight
(the next day's events are written when the day begins), and stopping by
itself after `days`. Each step takes about its simulated length / `speed` in
real time. After a step that sent a Monzo webhook, the clock holds: first until
the deliveries are done, then until the banks have been quiet (no API request
from any client in flight or ended) for `settle_ms` (default 200) since the
last request or delivery; the hold is bounded by `hold_ms` (default 3000) of
real time. A client that reacts to the webhook therefore acts at the simulated
moment of the transaction. `POST /_sandbox/clock` and `/reset` answer 409 while
life plays.

The driver runs as a task on the sandbox's event loop, like every request
handler, so the households are never touched by two threads at once.
In-process callers use `world.life.start(...)` (from any thread once the app
has started) and `world.life.wait(timeout)` (from any thread but the loop's).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from potwise.sandbox.clock import SandboxClock, monzo_time
from potwise.sandbox.errors import ControlError

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

FIELDS = {"user", "days", "speed", "settle_ms", "hold_ms", "tick_ms"}
MAX_DAYS = 3660


@dataclass(frozen=True, slots=True)
class LifePlan:
    user: str = "demo"
    days: float = 30
    speed: float = 86400  # simulated seconds per real second: a day a second
    settle_ms: int = 200
    hold_ms: int = 3000
    tick_ms: int = 50


def _number(data: dict[str, Any], name: str, low: float, high: float, default: float) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ControlError(400, "bad_life", f"{name} must be a number")
    if not low <= value <= high:
        raise ControlError(400, "bad_life", f"{name} must be from {low:g} to {high:g}")
    return float(value)


def parse_plan(data: dict[str, Any]) -> LifePlan:
    """The body of `POST /_sandbox/life`, checked (400 with a plain message)."""
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise ControlError(400, "bad_life", f"unknown field(s): {', '.join(unknown)}")
    user = data.get("user", "demo")
    if not isinstance(user, str) or not user:
        raise ControlError(400, "bad_life", "user must be a sandbox user's name")
    days = _number(data, "days", 0, MAX_DAYS, 30)
    if days <= 0:
        raise ControlError(400, "bad_life", "days must be more than 0")
    speed = _number(data, "speed", 0, 1e8, 86400)
    if speed <= 0:
        raise ControlError(400, "bad_life", "speed must be more than 0")
    return LifePlan(
        user=user,
        days=days,
        speed=speed,
        settle_ms=int(_number(data, "settle_ms", 0, 10000, 200)),
        hold_ms=int(_number(data, "hold_ms", 0, 60000, 3000)),
        tick_ms=int(_number(data, "tick_ms", 5, 1000, 50)),
    )


def hold_clock(clock: SandboxClock) -> bool:
    """Freeze the clock where it stands; True when it was ticking (see `release_clock`)."""
    ticking = not clock.frozen
    if ticking:
        now = clock.now()
        clock._frozen_at = now  # the clock has no public freeze
        clock._frozen = True
    return ticking


def release_clock(clock: SandboxClock, ticking: bool) -> None:
    """Let a clock `hold_clock` froze tick with real time again, from where it stands."""
    if ticking:
        clock._offset = clock.now() - datetime.now(UTC)
        clock._frozen = False


class Life:
    """The driver: one life at a time, for one household."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = threading.Event()
        self._done = threading.Event()
        self._stepped_at = 0.0
        self._done.set()
        self._lock = threading.Lock()
        self.plan: LifePlan | None = None
        self.state = "idle"  # idle | playing | finished | stopped | failed
        self.error = ""
        self._reset_figures()

    def _reset_figures(self) -> None:
        self.started_at: datetime | None = None
        self.until: datetime | None = None
        self.steps = 0
        self.holds = 0
        self.webhooks = 0
        self.real_seconds = 0.0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop the sandbox serves on (set when the app starts)."""
        self._loop = loop

    @property
    def playing(self) -> bool:
        return self.state == "playing"

    @property
    def speed(self) -> float | None:
        """Simulated seconds per real second while life plays; None otherwise."""
        return self.plan.speed if self.playing and self.plan else None

    # ------------------------------------------------------------- control
    def start(self, data: dict[str, Any] | LifePlan) -> dict[str, Any]:
        """Start life (409 if it plays, 404 for an unknown user, 400 for bad input)."""
        plan = data if isinstance(data, LifePlan) else parse_plan(data)
        if not self.world.has_user(plan.user):
            raise ControlError(404, "unknown_user", f"no sandbox user {plan.user!r}")
        loop = self._running_loop()
        with self._lock:
            if self.playing:
                raise ControlError(409, "life_playing", "life is already playing; stop it first")
            self.plan, self.state, self.error = plan, "playing", ""
            self._reset_figures()
            self._stop.clear()
            self._done.clear()
        try:
            if asyncio.get_running_loop() is loop:
                self._launch(plan)
                return self.view()
        except RuntimeError:
            pass
        loop.call_soon_threadsafe(self._launch, plan)
        return self.view()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        try:
            return asyncio.get_running_loop() if self._loop is None else self._loop
        except RuntimeError:
            raise ControlError(409, "not_serving", "the sandbox is not serving yet") from None

    def _launch(self, plan: LifePlan) -> None:
        self._task = asyncio.get_running_loop().create_task(self._play(plan))

    def stop(self) -> None:
        """Ask the driver to stop after its current step (or hold)."""
        self._stop.set()

    async def stopped(self, timeout: float = 5.0) -> None:
        """On the loop: stop, and wait (bounded) until the driver has let the clock go."""
        self.stop()
        if self._task is not None and not self._task.done():
            await asyncio.wait([self._task], timeout=timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """From another thread: wait until life is no longer playing; False on timeout."""
        return self._done.wait(timeout)

    # ------------------------------------------------------------- view
    def view(self) -> dict[str, Any]:
        plan, now = self.plan, self.world.clock.now()
        body: dict[str, Any] = {
            "state": self.state,
            "playing": self.playing,
            "now": monzo_time(now),
        }
        if plan is None:
            return body
        body.update(
            user=plan.user,
            days=plan.days,
            speed=plan.speed,
            settle_ms=plan.settle_ms,
            hold_ms=plan.hold_ms,
            tick_ms=plan.tick_ms,
            steps=self.steps,
            holds=self.holds,
            webhooks=self.webhooks,
            real_seconds=round(self.real_seconds, 3),
            error=self.error,
        )
        if self.started_at is not None and self.until is not None:
            span = (self.until - self.started_at).total_seconds()
            done = (min(now, self.until) - self.started_at).total_seconds()
            body.update(
                started_at=monzo_time(self.started_at),
                until=monzo_time(self.until),
                progress=round(done / span, 4) if span else 1.0,
            )
        return body

    # ------------------------------------------------------------- playing
    async def _play(self, plan: LifePlan) -> None:
        clock = self.world.clock
        ticking = hold_clock(clock)
        began = time.monotonic()
        try:
            self.world.household(plan.user)
            self.started_at = clock.now()
            self.until = self.started_at + timedelta(days=plan.days)
            while clock.now() < self.until and not self._stop.is_set():
                await self._step(plan, self.until)
            self.state = "stopped" if self._stop.is_set() else "finished"
        except Exception as error:  # the driver must never leave the clock frozen
            self.state, self.error = "failed", f"{type(error).__name__}: {error}"
        finally:
            self.real_seconds = time.monotonic() - began
            release_clock(clock, ticking)
            self._done.set()

    def _target(self, plan: LifePlan, now: datetime, until: datetime) -> datetime:
        """Where the next step goes: the next event, a tick's worth, midnight or the end."""
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        target = min(now + timedelta(seconds=plan.speed * plan.tick_ms / 1000), midnight)
        target = min(target, until)
        upcoming = self.world.household(plan.user).next_event_at()
        if upcoming is not None:
            event = datetime.fromtimestamp(upcoming, UTC)
            if event.timestamp() < upcoming:
                event += timedelta(microseconds=1)
            target = min(target, event)
        return max(target, now + timedelta(microseconds=1))

    async def _step(self, plan: LifePlan, until: datetime) -> None:
        world, clock = self.world, self.world.clock
        # A client in the middle of a conversation with the banks (a refresh the clock
        # set off, a reply to a webhook) finishes it at the moment it began.
        await self._while_busy(plan)
        started = time.monotonic()
        now = clock.now()
        target = self._target(plan, now, until)
        sent = len(world.webhooks.deliveries)
        clock.advance(target - now)
        self._stepped_at = time.monotonic()
        world.advance_all()
        self.steps += 1
        fresh = len(world.webhooks.deliveries) - sent
        if fresh:
            self.webhooks += fresh
            self.holds += 1
            await self._hold(plan)
        pace = (target - now).total_seconds() / plan.speed
        await asyncio.sleep(max(0.0, pace - (time.monotonic() - started)))

    async def _while_busy(self, plan: LifePlan) -> None:
        """Until no bank request has been in flight for `settle_ms` (within `hold_ms`).

        A client that follows the clock (reads `/_sandbox/clock`) must first have
        read the time of the last step, and then had `settle_ms` to act on it: what
        the new time sets off (a planned refresh) happens at that time."""
        world, requests = self.world, self.world.requests
        settle = plan.settle_ms / 1000
        deadline = time.monotonic() + plan.hold_ms / 1000
        seen_at: float | None = None
        while time.monotonic() < deadline and not self._stop.is_set():
            read, now = world.clock_read_at, time.monotonic()
            if read is None:
                seen_at = self._stepped_at - settle  # nobody follows the clock
            elif seen_at is None and read >= self._stepped_at:
                seen_at = now
            if seen_at is not None and now - seen_at >= settle and requests.quiet_for() >= settle:
                return
            await asyncio.sleep(0.005)

    async def _hold(self, plan: LifePlan) -> None:
        """Until the webhooks are delivered and the banks quiet, within `hold_ms`."""
        webhooks, requests = self.world.webhooks, self.world.requests
        deadline = time.monotonic() + plan.hold_ms / 1000
        settle = plan.settle_ms / 1000
        while not webhooks.idle() and time.monotonic() < deadline and not self._stop.is_set():
            await asyncio.sleep(0.005)
        while time.monotonic() < deadline and not self._stop.is_set():
            quiet = min(requests.quiet_for(), time.monotonic() - webhooks.last_done)
            if quiet >= settle:
                return
            await asyncio.sleep(min(max(0.005, settle - quiet), deadline - time.monotonic()))
