"""What the dashboard shows about a user's money, connections and card pots."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from potwise.db.models import Account, Automation, Connection, Notice, Pot, User
from potwise.db.scoping import for_user, get_owned
from potwise.services import notify
from potwise.services.automations import pause, rules

# potwise serves UK users; a user's own zone wins when they have set one.
DEFAULT_TIMEZONE = "Europe/London"
NOTICES_SHOWN = 4


@dataclass(frozen=True)
class ProviderStatus:
    name: str
    description: str
    connections: int


@dataclass(frozen=True)
class RuleStatus:
    """How a rule is doing, in words: `key` is one of ok, new, cooldown, waiting_funds,
    paused, error, off (for styling); `detail` says more where there is more to say."""

    key: str
    label: str
    detail: str | None = None


@dataclass(frozen=True)
class CardPotTile:
    rule_id: str
    name: str
    pot_name: str | None
    pot_deleted: bool
    owed: int | None
    in_pot: int | None
    currency: str
    status: RuleStatus


@dataclass(frozen=True)
class NoticeLine:
    message: str
    level: str
    created_at: datetime
    when: str  # local time, as people read it


@dataclass(frozen=True)
class Overview:
    providers: list[ProviderStatus]
    accounts: int
    card_pots: list[CardPotTile] = field(default_factory=list)
    notices: list[NoticeLine] = field(default_factory=list)
    paused: str | None = None

    @property
    def connected(self) -> bool:
        return any(p.connections for p in self.providers)


AlertCheck = Callable[..., list[Notice]]


def check_user_alerts(
    session_factory: sessionmaker[Session],
    check: AlertCheck,
    user_id: str,
    *,
    fallback_timezone: str = DEFAULT_TIMEZONE,
    now: datetime | None = None,
) -> list[Notice]:
    """Run one user's alert check, ``check(db, user_id, now=, zone=)``, in a unit of work
    of its own, in the user's time zone; nothing for a user who is gone."""
    with session_factory() as db:
        if db.get(User, user_id) is None:
            return []
        zone = user_zone(db, user_id, fallback_timezone)
        return check(db, user_id, now=now or datetime.now(UTC), zone=zone)


def user_zone(db: Session, user_id: str, fallback: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    name = db.scalar(select(User.timezone).where(User.id == user_id)) or fallback
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(fallback)


def cooldown_until(rule: Automation) -> datetime | None:
    """When the rule's cooldown ends, from its state (see domain/cardpot.py), or None."""
    cooldown = (rule.state or {}).get("cooldown")
    if not isinstance(cooldown, dict) or not isinstance(cooldown.get("until"), str):
        return None
    try:
        until = datetime.fromisoformat(cooldown["until"])
    except ValueError:
        return None
    return until if until.tzinfo else until.replace(tzinfo=UTC)


def local_time(moment: datetime, zone: ZoneInfo, now: datetime | None = None) -> str:
    """`17:05` today, `Tue 4 Nov, 17:05` on another day, in the user's zone."""
    local = moment.astimezone(zone)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def rule_status(
    rule: Automation, zone: ZoneInfo, paused_reason: str | None, now: datetime | None = None
) -> RuleStatus:
    if not rule.enabled:
        return RuleStatus("off", "Switched off", "It moves nothing until you switch it on.")
    if paused_reason is not None:
        return RuleStatus("paused", "Paused", paused_reason)
    if rule.status == "paused":
        return RuleStatus("paused", "Paused", rule.status_reason)
    if rule.status == "error":
        return RuleStatus("error", "Error", rule.status_reason)
    if rule.status == "waiting_funds":
        return RuleStatus(
            "waiting_funds",
            "Waiting for funds",
            rule.status_reason or "Not enough in the current account; retrying on every run.",
        )
    if rule.status == "cooldown":
        until = cooldown_until(rule)
        if until is not None:
            return RuleStatus(
                "cooldown",
                f"Cooling down until {local_time(until, zone, now)}",
                "A bill was paid or money left the pot; potwise waits before topping it up.",
            )
        return RuleStatus("cooldown", "Cooling down")
    if rule.last_run_at is None:
        return RuleStatus("new", "Not run yet", "It runs after the next sync of your cards.")
    return RuleStatus("ok", "In sync")


def owed_on_cards(rule: Automation, cards: list[Account]) -> int | None:
    """What the rule last recorded as owed; before its first run, the cards' balances."""
    recorded: Any = (rule.state or {}).get("recorded_owed")
    if isinstance(recorded, int) and not isinstance(recorded, bool):
        return recorded
    balances = [c.balance for c in cards if c.balance is not None]
    if not balances:
        return None
    return sum(max(0, -balance) for balance in balances)


def card_pot_tiles(
    db: Session, user_id: str, zone: ZoneInfo, paused_reason: str | None
) -> list[CardPotTile]:
    tiles = []
    for rule in rules.list_rules(db, user_id):
        if rule.kind != "card_pot":
            continue
        pot = get_owned(db, Pot, str(rule.config.get("pot_id", "")), user_id)
        cards = [
            card
            for card_id in rule.config.get("card_account_ids", [])
            if (card := get_owned(db, Account, str(card_id), user_id)) is not None
        ]
        tiles.append(
            CardPotTile(
                rule_id=rule.id,
                name=rule.name,
                pot_name=pot.name if pot else None,
                pot_deleted=bool(pot and pot.deleted),
                owed=owed_on_cards(rule, cards),
                in_pot=pot.balance if pot else None,
                currency=pot.currency if pot else "GBP",
                status=rule_status(rule, zone, paused_reason),
            )
        )
    return tiles


def _notice_line(notice: Notice, zone: ZoneInfo) -> NoticeLine:
    return NoticeLine(
        notice.message, notice.level, notice.created_at, local_time(notice.created_at, zone)
    )


def overview(db: Session, user_id: str) -> Overview:
    """Counts of the user's connections per provider and of mirrored accounts."""
    rows = db.execute(
        for_user(select(Connection.provider, func.count()), Connection, user_id).group_by(
            Connection.provider
        )
    )
    per_provider: dict[str, int] = {provider: int(count) for provider, count in rows}
    accounts = db.scalar(for_user(select(func.count()).select_from(Account), Account, user_id))
    paused = pause.pause_reason(db, user_id)
    zone = user_zone(db, user_id)
    return Overview(
        providers=[
            ProviderStatus(
                "Monzo",
                "Current and joint accounts, pots, and the money moves between them.",
                per_provider.get("monzo", 0),
            ),
            ProviderStatus(
                "Other banks and cards",
                "Through Open Banking: American Express, Barclaycard and UK bank accounts.",
                per_provider.get("truelayer", 0),
            ),
        ],
        accounts=int(accounts or 0),
        card_pots=card_pot_tiles(db, user_id, zone, paused),
        notices=[_notice_line(n, zone) for n in notify.recent(db, user_id, limit=NOTICES_SHOWN)],
        paused=paused,
    )
