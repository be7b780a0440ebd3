"""The accounts page: accounts grouped by kind with their pots, and the totals, each on
its own line per currency (cards are never netted against cash)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from potwise.db.models import Account, Pot
from potwise.services import cards, mirror
from potwise.web.security import Db, zone_of
from potwise.web.ui.access import PageCaller
from potwise.web.ui.bank_display import (
    STATUS_LABELS,
    formatter,
    label,
    provider_name,
)
from potwise.web.ui.render import render

router = APIRouter(include_in_schema=False)

ACCOUNT_GROUPS = (
    ("current", "Current & joint accounts", ("current", "joint")),
    ("savings", "Savings", ("savings",)),
    ("cards", "Credit cards", ("credit_card",)),
)
# Shown even when nothing is in them: the two figures people look for first.
ALWAYS_SHOWN = ("Cash in current accounts", "Owed on credit cards")

#: A total's name, its amount per currency, and how it reads ("cash" or "owed").
Total = tuple[str, dict[str, int], str]


@dataclass
class AccountEntry:
    account: Account
    connection_status: str
    pots: list[Pot] = field(default_factory=list)
    #: A card's owed now (`services.cards.owed_now`, the one reading: pending charges the
    #: issuer leaves out of the balance included); None for other accounts.
    owed: int | None = None


@dataclass
class AccountGroup:
    key: str
    title: str
    entries: list[AccountEntry]


def _add(totals: dict[str, int], currency: str, amount: int) -> None:
    totals[currency] = totals.get(currency, 0) + amount


def _entries(db: Db, user_id: str) -> dict[str, AccountEntry]:
    rows = mirror.list_accounts(db, user_id)
    entries = {row.account.id: AccountEntry(row.account, row.connection_status) for row in rows}
    for pot in mirror.list_pots(db, user_id):
        if pot.account_id in entries:
            entries[pot.account_id].pots.append(pot)
    card_rows = [e.account for e in entries.values() if e.account.kind == "credit_card"]
    for card_id, owed in cards.owed_now(db, card_rows).items():
        entries[card_id].owed = owed
    return entries


def _groups(entries: Iterable[AccountEntry]) -> list[AccountGroup]:
    listed = list(entries)
    groups = []
    for key, title, kinds in ACCOUNT_GROUPS:
        members = [e for e in listed if e.account.kind in kinds]
        if members:
            groups.append(AccountGroup(key, title, members))
    return groups


def _totals(entries: Iterable[AccountEntry]) -> list[Total]:
    """Each total on its own line, per currency: cards are never netted against cash."""
    cash: dict[str, int] = {}
    savings: dict[str, int] = {}
    in_pots: dict[str, int] = {}
    owed: dict[str, int] = {}
    card_credit: dict[str, int] = {}
    for entry in entries:
        account = entry.account
        if account.closed:
            continue
        for pot in entry.pots:
            _add(in_pots, pot.currency, pot.balance)
        if account.balance is None:
            continue
        if account.kind in ("current", "joint"):
            _add(cash, account.currency, account.balance)
        elif account.kind == "savings":
            _add(savings, account.currency, account.balance)
        elif entry.owed:
            _add(owed, account.currency, entry.owed)
        elif account.balance > 0:
            _add(card_credit, account.currency, account.balance)
    totals = [
        ("Cash in current accounts", cash, "cash"),
        ("In savings accounts", savings, "cash"),
        ("Set aside in pots", in_pots, "cash"),
        ("Owed on credit cards", owed, "owed"),
        ("In credit on cards", card_credit, "cash"),
    ]
    return [
        (name, amounts, kind) for name, amounts, kind in totals if amounts or name in ALWAYS_SHOWN
    ]


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, caller: PageCaller, db: Db) -> Response:
    entries = _entries(db, caller.user.id)
    return render(
        request,
        "accounts.html",
        caller,
        active="accounts",
        groups=_groups(entries.values()),
        totals=_totals(entries.values()) if entries else [],
        when=formatter(zone_of(request, caller)),
        label=label,
        status_labels=STATUS_LABELS,
        provider_name=provider_name,
    )
