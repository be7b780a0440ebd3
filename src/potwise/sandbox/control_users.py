"""The sandbox's users through the control API: finding one, adding some, and handing
out ready-made tokens for load tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from potwise.sandbox.capital_one import DEFAULT_CARDS, check_cards
from potwise.sandbox.errors import ControlError
from potwise.sandbox.household import Household
from potwise.sandbox.providers import PROVIDERS
from potwise.sandbox.world import UnknownUser

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

# The consent a client asking for every data scope gets through the auth link:
# a provider that has no bank accounts (Amex) answers those endpoints itself
# (501), it does not narrow the token.
ALL_DATA_SCOPES = [
    "info",
    "accounts",
    "balance",
    "cards",
    "transactions",
    "direct_debits",
    "standing_orders",
    "offline_access",
]


def find_household(world: SandboxWorld, name: str) -> Household:
    """The user's household brought up to now, or the control API's 404."""
    try:
        return world.household(name)
    except UnknownUser:
        raise ControlError(404, "unknown_user", f"no sandbox user {name!r}") from None


def check_years(years: Any) -> None:
    if years is not None and (not isinstance(years, int) or not 0 <= years <= 30):
        raise ControlError(400, "bad_years", "years must be an integer from 0 to 30")


def create_users(world: SandboxWorld, data: dict[str, Any]) -> dict[str, Any]:
    """Add one named household, or N numbered ones with ready-made tokens for load tests."""
    years = data.get("years")
    check_years(years)
    if "name" in data:
        name = str(data["name"])
        if not name or "/" in name:
            raise ControlError(400, "bad_name", "name must be a non-empty path segment")
        cards: tuple[str, ...] = ()
        if data.get("cards") is not None:
            try:
                cards = check_cards(data["cards"])
            except ValueError as error:
                raise ControlError(400, "bad_cards", str(error)) from None
        if world.has_user(name) and cards:
            raise ControlError(409, "user_exists", f"sandbox user {name!r} already exists")
        world.add_user(name, years, cards)
        return {"users": [{"name": name, "cards": list(cards or DEFAULT_CARDS)}]}
    count = data.get("count")
    if not isinstance(count, int) or count < 1 or count > 5000:
        raise ControlError(400, "bad_count", "give a name, or a count from 1 to 5000")
    tokens = bool(data.get("tokens", True))
    existing = set(world.user_names())
    created: list[dict[str, Any]] = []
    index = len(existing) + 1
    while len(created) < count:
        name = f"user{index}"
        index += 1
        if name in existing:
            continue
        world.add_user(name, years)
        entry: dict[str, Any] = {"name": name}
        if tokens:
            entry.update(issue_tokens(world, name, str(data.get("client_id", "potwise-sandbox"))))
        created.append(entry)
    return {"users": created}


def issue_tokens(world: SandboxWorld, name: str, client_id: str) -> dict[str, Any]:
    """Approved Monzo tokens and a TrueLayer consent per provider, skipping the OAuth dance."""
    h = world.stub(name)
    token = world.monzo.new_login(client_id, name, approved=True)
    body = world.monzo._token_body(token, True)
    truelayer = {}
    scopes = list(ALL_DATA_SCOPES)
    held = {a.provider_id for a in h.tl_accounts.values()} | {"ob-natwest"}
    for provider in PROVIDERS.values():
        if provider.provider_id not in held:
            continue
        connection = world.truelayer.connect(name, provider.provider_id, client_id, scopes)
        truelayer[provider.provider_id] = {
            **world.truelayer.token_body(connection, "sandbox", rotate=True),
            "credentials_id": connection.credentials_id,
        }
    return {"monzo": {"user_id": h.main.user_id, **body}, "truelayer": truelayer}
