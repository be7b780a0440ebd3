"""The sandbox's whole state: clock, households, OAuth clients and grants, faults."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from potwise.sandbox.clients import ClientRegistry
from potwise.sandbox.clock import SandboxClock
from potwise.sandbox.faults import FaultBook
from potwise.sandbox.generator import HouseholdGenerator
from potwise.sandbox.household import Household
from potwise.sandbox.ids import IdMaker
from potwise.sandbox.life import Life
from potwise.sandbox.model import MonzoTx
from potwise.sandbox.monzo_oauth import MonzoAuth
from potwise.sandbox.options import SandboxOptions
from potwise.sandbox.requests import RequestBook
from potwise.sandbox.truelayer_oauth import TrueLayerAuth
from potwise.sandbox.webhooks import WebhookDispatcher

DEFAULT_USER = "demo"


class UnknownUser(LookupError):
    pass


class SandboxWorld:
    def __init__(
        self,
        *,
        seed: int,
        years: int,
        users: int,
        now: datetime | None,
        options: SandboxOptions,
    ) -> None:
        self.options = options
        self.clock = SandboxClock(now, frozen=options.frozen_clock)
        self.clients = ClientRegistry()
        self.faults = FaultBook(seed)
        for spec in options.faults:
            self.faults.add(spec)
        self.webhooks = WebhookDispatcher(options)
        self.requests = RequestBook(self.clock.now)
        # When a client last read the clock (monotonic seconds; None: none follows it).
        self.clock_read_at: float | None = None
        self.life = Life(self)
        # Signing key for TrueLayer-shaped JWTs; random per process, tokens never outlive it.
        self.jwt_key = secrets.token_bytes(32)
        self.monzo = MonzoAuth(self)
        self.truelayer = TrueLayerAuth(self)
        self.listeners: list[Callable[[Household, MonzoTx], None]] = []
        self.feed_items: list[dict[str, str]] = []
        self.attachments: dict[str, dict[str, str]] = {}
        self.receipts: dict[str, dict[str, object]] = {}
        self._setup(seed, years, users)

    def _setup(self, seed: int, years: int, users: int) -> None:
        self.seed = seed
        self.years = years
        # Every household is generated from the same anchor, whenever it is first used,
        # so lazily created households are as reproducible as the first one.
        self.anchor = self.clock.now()
        self._households: dict[str, Household | None] = {}
        self._user_years: dict[str, int] = {}
        self._user_cards: dict[str, tuple[str, ...]] = {}
        self.monzo.reset()
        self.truelayer.reset()
        self.webhooks.clear()
        self.add_user(DEFAULT_USER)
        for index in range(2, users + 1):
            self.add_user(f"user{index}")

    def reset(self, seed: int | None = None, years: int | None = None) -> None:
        self._setup(
            self.seed if seed is None else seed,
            self.years if years is None else years,
            max(1, len(self._households)),
        )

    # ---------------------------------------------------------- households
    def add_user(self, name: str, years: int | None = None, cards: tuple[str, ...] = ()) -> None:
        """Add a household (once); `cards` names its TrueLayer cards, () for the default two."""
        if name not in self._households:
            self._households[name] = None
            self._user_years[name] = self.years if years is None else years
            self._user_cards[name] = cards

    def user_names(self) -> list[str]:
        return list(self._households)

    def has_user(self, name: str) -> bool:
        return name in self._households

    def stub(self, name: str) -> Household:
        """The household's people and accounts, without generating its history yet.

        Building is cheap; history is generated on first use (`household`), which is
        what lets the sandbox host a thousand households.
        """
        if name not in self._households:
            raise UnknownUser(name)
        household = self._households[name]
        if household is None:
            household = Household(
                name,
                self.seed,
                self._user_years[name],
                IdMaker(f"{self.seed}:{name}:ids"),
                self._user_cards[name],
            )
            HouseholdGenerator(household, self.anchor).build()
            self._households[name] = household
        return household

    def household(self, name: str) -> Household:
        """The household brought up to the sandbox's now (history generated on first use)."""
        household = self.stub(name)
        if household.on_monzo_tx is None:
            # The backfill up to the anchor fires no webhooks (none can be registered yet).
            household.sync_to(self.anchor)
            household.on_monzo_tx = self._on_monzo_tx
        household.sync_to(self.clock.now())
        return household

    def generated(self, name: str) -> bool:
        household = self._households.get(name)
        return household is not None and household.on_monzo_tx is not None

    def _on_monzo_tx(self, household: Household, tx: MonzoTx) -> None:
        self.webhooks.on_transaction(household, tx)
        for listener in self.listeners:
            listener(household, tx)

    def advance_all(self) -> None:
        """After the clock moves: bring every generated household up to date."""
        for name in list(self._households):
            if self.generated(name):
                self.household(name)
