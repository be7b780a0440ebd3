"""What the dashboard shows about a user's money, connections and card pots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from potwise import clock
from potwise.db.models import Account, Automation, Connection, Notice, Pot, User
from potwise.db.scoping import for_user, get_owned
from potwise.domain.money import Money
from potwise.domain.transfers import RuleStatus as StoredStatus
from potwise.services import cards as cards_owed
from potwise.services import notify, zones
from potwise.services.automations import pause, rules

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
    fallback_timezone: str,
    now: datetime | None = None,
) -> list[Notice]:
    """Run one user's alert check, ``check(db, user_id, now=, zone=)``, in a unit of work
    of its own, in the user's time zone; nothing for a user who is gone."""
    with session_factory() as db:
        if db.get(User, user_id) is None:
            return []
        zone = zones.user_zone(db, user_id, fallback_timezone)
        return check(db, user_id, now=now or clock.now(), zone=zone)


def cooldown_until(rule: Automation) -> datetime | None:
    """When the rule's cooldown ends, from its state (see domain/rules/cardpot/state.py),
    or None."""
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
    today = (now or clock.now()).astimezone(zone).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


#: Statuses a rule shows as they were stored: the label, and the detail to show when
#: none was stored.
_AS_STORED: dict[str, tuple[str, str | None]] = {
    StoredStatus.PAUSED: ("Paused", None),
    StoredStatus.ERROR: ("Error", None),
    StoredStatus.WAITING_FUNDS: (
        "Waiting for funds",
        "Not enough in the current account; retrying on every run.",
    ),
}


def rule_status(
    rule: Automation, zone: ZoneInfo, paused_reason: str | None, now: datetime | None = None
) -> RuleStatus:
    if not rule.enabled:
        return RuleStatus("off", "Switched off", "It moves nothing until you switch it on.")
    if paused_reason is not None:
        return RuleStatus("paused", "Paused", paused_reason)
    if rule.status == StoredStatus.COOLDOWN:
        return _cooling_down(rule, zone, now)
    if rule.status in _AS_STORED:
        label, fallback = _AS_STORED[rule.status]
        detail = rule.status_reason
        if fallback is not None and not detail:
            detail = fallback
        return RuleStatus(rule.status, label, detail)
    if rule.last_run_at is None:
        return RuleStatus("new", "Not run yet", "It runs after the next sync of your cards.")
    return RuleStatus("ok", "In sync")


def _cooling_down(rule: Automation, zone: ZoneInfo, now: datetime | None) -> RuleStatus:
    until = cooldown_until(rule)
    if until is None:
        return RuleStatus(StoredStatus.COOLDOWN, "Cooling down")
    return RuleStatus(
        StoredStatus.COOLDOWN,
        f"Cooling down until {local_time(until, zone, now)}",
        "A bill was paid or money left the pot; potwise waits before topping it up.",
    )


def owed_on_cards(db: Session, cards: Sequence[Account], now: datetime | None = None) -> int | None:
    """What the rule's cards owe now, as the rule counts it
    (:func:`potwise.domain.cards.owed_on_card` through :mod:`potwise.services.cards`:
    pending charges included, repayments on their way taken off), or None when no card
    has a balance yet. Not what the rule recorded at its last run: "Owed on cards"
    beside safe to spend is the same figure now, and one screen shows one figure.
    Every screen that shows a card pot's "owed" asks here."""
    owed = cards_owed.owed_now(db, cards, now)
    return sum(owed.values()) if owed else None


def first_run_words(owed: int | None, in_pot: int | None, currency: str) -> str:
    """What a card-pot rule that has not run yet will do on its first run, in words:
    the pot beside what the cards owe would otherwise read as over- or under-filled
    when it is only not filled by the rule yet. The first run withdraws any excess at
    once and deposits the shortfall within the rule's limits and the funds."""
    when = "It runs after the next sync of your cards"
    if owed is None or in_pot is None:
        return f"{when}."
    owes = Money(owed, currency).format()
    if in_pot > owed:
        back = Money(in_pot - owed, currency).format()
        return (
            f"{when}: it will then take {back} out of the pot, back to the current "
            f"account, so the pot holds the {owes} the cards owe."
        )
    if in_pot < owed:
        short = Money(owed - in_pot, currency).format()
        return (
            f"{when}: it will then pay up to {short} into the pot (within its limits and "
            f"what the current account holds), so the pot holds the {owes} the cards owe."
        )
    return f"{when}; the pot already holds the {owes} the cards owe."


def card_pot_status(
    rule: Automation,
    zone: ZoneInfo,
    paused_reason: str | None,
    figures: tuple[int | None, int | None, str],
    now: datetime | None = None,
) -> RuleStatus:
    """A card-pot rule's status; before its first run, what that run will do with the
    `figures` shown beside it (owed now, in the pot, currency)."""
    status = rule_status(rule, zone, paused_reason, now)
    if status.key != "new":
        return status
    return replace(status, detail=first_run_words(*figures))


def card_pot_tiles(
    db: Session,
    user_id: str,
    zone: ZoneInfo,
    paused_reason: str | None,
    now: datetime | None = None,
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
        owed = owed_on_cards(db, cards, now)
        in_pot, currency = (pot.balance, pot.currency) if pot else (None, "GBP")
        tiles.append(
            CardPotTile(
                rule_id=rule.id,
                name=rule.name,
                pot_name=pot.name if pot else None,
                pot_deleted=bool(pot and pot.deleted),
                owed=owed,
                in_pot=in_pot,
                currency=currency,
                status=card_pot_status(rule, zone, paused_reason, (owed, in_pot, currency)),
            )
        )
    return tiles


def _notice_line(notice: Notice, zone: ZoneInfo) -> NoticeLine:
    return NoticeLine(
        notice.message, notice.level, notice.created_at, local_time(notice.created_at, zone)
    )


def overview(db: Session, user_id: str, zone: ZoneInfo) -> Overview:
    """Counts of the user's connections per provider and of mirrored accounts."""
    rows = db.execute(
        for_user(select(Connection.provider, func.count()), Connection, user_id).group_by(
            Connection.provider
        )
    )
    per_provider: dict[str, int] = {provider: int(count) for provider, count in rows}
    accounts = db.scalar(for_user(select(func.count()).select_from(Account), Account, user_id))
    paused = pause.pause_reason(db, user_id)
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
