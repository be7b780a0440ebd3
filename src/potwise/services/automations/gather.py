"""Before a decision: which accounts it reads, and refreshing their balances live.

When a bank cannot be reached (down, or its unattended allowance is spent),
the last synced values stand in if they are younger than
`scene.MAX_FALLBACK_AGE` and the decision says so; older data means no
decision at all.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from potwise import clock
from potwise.db.models import Account, Automation, Connection, Pot, SyncRun
from potwise.domain.rules import cardpot
from potwise.services import connections
from potwise.services.automations import configs
from potwise.services.automations.recording import RunRequest
from potwise.services.automations.scene import Skip
from potwise.services.connections import ConnectionsContext
from potwise.services.sync import engine

# A full sync finished this recently (the one that set the run off) has just read the balances.
JUST_SYNCED = timedelta(minutes=1)


@dataclass(frozen=True)
class Targets:
    """The accounts a rule's decision reads, grouped by the connection that refreshes them."""

    # The card pot's config (None for the kinds that read only Monzo).
    config: cardpot.CardPotConfig | None
    # (connection, its accounts' external ids, or None for all of them), Monzo first:
    # the pot and the account that holds it (the spendable balance), then the cards.
    wanted: tuple[tuple[str, frozenset[str] | None], ...]
    # When each connection's last full sync finished (read for runs a sync set off).
    synced_at: dict[str, datetime]
    # The connections read through TrueLayer (cards): refreshed only by their plan or
    # with the user present, never by a run the clock or a webhook set off.
    planned: frozenset[str] = frozenset()


def targets(db: Session, rule: Automation, *, trigger: str) -> Targets:
    """What the rule reads, refused (`Skip`) when a pot, card or connection is gone."""
    if rule.kind != "card_pot":
        return _monzo_targets(db, rule, trigger)
    config = cardpot.CardPotConfig.from_dict(rule.config)
    pot = _pot(db, rule, config)
    cards = _cards(db, rule, config)
    connection_ids = {pot.connection_id, *(card.connection_id for card in cards)}
    planned = _check_connections(db, connection_ids, pot.connection_id)
    pot_account = db.get(Account, pot.account_id)
    by_connection: dict[str, list[str]] = {}
    for card in cards:
        by_connection.setdefault(card.connection_id, []).append(card.external_id)
    wanted = (
        (pot.connection_id, frozenset({pot_account.external_id}) if pot_account else None),
        *((cid, frozenset(externals)) for cid, externals in by_connection.items()),
    )
    synced_at = _last_full_syncs(db, connection_ids, trigger)
    return Targets(config, wanted, synced_at, planned)


def _monzo_targets(db: Session, rule: Automation, trigger: str) -> Targets:
    """A sweep, sorter, top-up or goal reads the current account its pots belong to."""
    pots: list[Pot] = []
    for pot_id in configs.pot_ids(rule.kind, rule.config):
        pot = db.get(Pot, pot_id)
        if pot is None or pot.user_id != rule.user_id:
            raise Skip("pot_missing", "A pot of this rule no longer exists.", pauses_rule=True)
        if pot.deleted:
            raise Skip(
                "pot_deleted",
                f"The pot \u201c{pot.name}\u201d was deleted in the Monzo app; "
                "choose another pot for this rule.",
                pauses_rule=True,
            )
        pots.append(pot)
    first = pots[0]
    _check_connections(db, {first.connection_id}, first.connection_id)
    account = db.get(Account, first.account_id)
    wanted = ((first.connection_id, frozenset({account.external_id}) if account else None),)
    return Targets(None, wanted, _last_full_syncs(db, {first.connection_id}, trigger))


def _pot(db: Session, rule: Automation, config: cardpot.CardPotConfig) -> Pot:
    pot = db.get(Pot, config.pot_id)
    if pot is None or pot.user_id != rule.user_id:
        raise Skip("pot_missing", "The rule's pot no longer exists.", pauses_rule=True)
    if pot.deleted:
        raise Skip(
            "pot_deleted",
            f"The pot \u201c{pot.name}\u201d was deleted in the Monzo app; "
            "choose another pot for this rule.",
            pauses_rule=True,
        )
    return pot


def _cards(db: Session, rule: Automation, config: cardpot.CardPotConfig) -> list[Account]:
    cards = [db.get(Account, card_id) for card_id in config.card_account_ids]
    found = [card for card in cards if card is not None and card.user_id == rule.user_id]
    if len(found) != len(cards):
        raise Skip(
            "card_missing", "One of the rule's cards is no longer connected.", pauses_rule=True
        )
    return found


def _check_connections(
    db: Session, connection_ids: Collection[str], monzo_id: str
) -> frozenset[str]:
    """Refuse (`Skip`) when a connection must be re-connected or is gone; returns the
    TrueLayer ones."""
    rows = db.execute(
        select(Connection.id, Connection.status, Connection.provider).where(
            Connection.id.in_(connection_ids)
        )
    ).all()
    statuses = {connection_id: status for connection_id, status, _ in rows}
    if connections.STATUS_NEEDS_RECONNECT in statuses.values():
        raise Skip(
            "needs_reconnect",
            "A connection this rule needs must be re-connected first.",
            pauses_rule=True,
        )
    if monzo_id not in statuses:
        raise Skip("needs_reconnect", "The Monzo connection was removed.", pauses_rule=True)
    return frozenset(cid for cid, _, provider in rows if provider == "truelayer")


def _last_full_syncs(
    db: Session, connection_ids: Collection[str], trigger: str
) -> dict[str, datetime]:
    """When each connection's last successful full sync (not a balances refresh)
    finished: read for runs a sync set off."""
    if trigger != "sync":
        return {}
    rows = db.execute(
        select(SyncRun.connection_id, func.max(SyncRun.finished_at))
        .where(
            SyncRun.connection_id.in_(connection_ids),
            SyncRun.status == "succeeded",
            SyncRun.trigger != "automation",
        )
        .group_by(SyncRun.connection_id)
    )
    return {connection_id: finished for connection_id, finished in rows if finished is not None}


def refresh(ctx: ConnectionsContext, targets: Targets, request: RunRequest) -> list[datetime]:
    """Refresh the pot, current account and cards from the banks (no session is open).

    Monzo answers as often as asked: its balances are read live on every run. Cards
    are read through TrueLayer, whose consents answer a few unattended calls a day:
    their refreshes are planned (`services/sync/refresh_plan.py`), and a run decides
    on the cards as their last refresh left them, unless the user is present (a
    button they pressed): then the cards are read in full, attended. Returns the
    times of the synced balances standing in for any a bank did not give.
    """
    stale: list[datetime] = []
    for connection_id, externals in targets.wanted:
        if request.trigger == "sync" and _synced_within(targets, connection_id, JUST_SYNCED):
            continue  # the sync that triggered this run has just read these balances
        if connection_id in targets.planned:
            if request.psu_ip is not None:
                engine.refresh_attended(ctx, connection_id, externals, request.psu_ip)
            continue
        refreshed = engine.refresh_balances(
            ctx,
            connection_id,
            account_external_ids=set(externals) if externals is not None else None,
            psu_ip=request.psu_ip,
        )
        if refreshed is not None:
            stale.append(refreshed)
    return stale


def _synced_within(targets: Targets, connection_id: str, within: timedelta) -> bool:
    """A full sync of this connection finished within `within` (for a run a sync set
    off: the one that triggered it; its balances are live)."""
    finished = targets.synced_at.get(connection_id)
    return finished is not None and clock.now() - finished <= within
