"""Reading pages for the bank mirror: connections, accounts and pots, transactions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from potwise.db.models import Account, Commitment, Pot, SyncRun, Transaction
from potwise.db.scoping import get_owned
from potwise.domain import categories as category_names
from potwise.domain.errors import DomainError
from potwise.services import connections, mirror
from potwise.services.cashflow import commitments
from potwise.services.connections import ConnectionsContext, ConnectionView
from potwise.services.insight import choices
from potwise.services.sync import allowance, runs
from potwise.web.security import Caller, Db, MaybeCaller
from potwise.web.ui.cashflow_pages import CADENCE_NAMES
from potwise.web.ui.pages import render, to_login

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50

PROVIDER_NAMES = {"monzo": "Monzo", "truelayer": "Open Banking (TrueLayer)"}
# The Open Banking providers offered in the connect form; "" lets the user pick.
OPEN_BANKING_CHOICES = (
    ("", "Any UK bank or card"),
    ("ob-amex", "American Express"),
    ("uk-ob-barclaycard", "Barclaycard"),
    ("ob-natwest", "NatWest"),
)
BANK_NAMES = {value: name for value, name in OPEN_BANKING_CHOICES if value}

STATUS_LABELS = {
    connections.STATUS_ACTIVE: "Active",
    connections.STATUS_AWAITING_APPROVAL: "Waiting for approval in the Monzo app",
    connections.STATUS_NEEDS_RECONNECT: "Needs re-connecting",
    connections.STATUS_ERROR: "Error",
}
RUN_LABELS = {
    "running": "Running",
    "succeeded": "Succeeded",
    "partial": "Partly succeeded",
    "failed": "Failed",
    "skipped": "Skipped",
}
TRANSACTION_STATUS_CHOICES = (
    ("", "Any status"),
    ("pending", "Pending"),
    ("settled", "Settled"),
    ("declined", "Declined"),
)
ACCOUNT_GROUPS = (
    ("current", "Current & joint accounts", ("current", "joint")),
    ("savings", "Savings", ("savings",)),
    ("cards", "Credit cards", ("credit_card",)),
)


def _zone(request: Request, caller: Caller) -> ZoneInfo:
    ctx: ConnectionsContext = request.app.state.connections
    name = caller.user.timezone or ctx.settings.timezone
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(ctx.settings.timezone)


def _formatter(zone: ZoneInfo) -> Callable[..., str]:
    """`when(dt)` → "3 Nov 2026, 14:05" in the user's zone; "never" for None."""
    today = datetime.now(zone).date()

    def when(moment: datetime | None, style: str = "full") -> str:
        if moment is None:
            return "never"
        local = moment.astimezone(zone)
        day = f"{local.day} {local:%b %Y}"
        if style == "date":
            return day
        if style == "time":
            return f"{local:%H:%M}"
        if style == "short":
            if local.date() == today:
                return f"today at {local:%H:%M}"
            if local.date() == today - timedelta(days=1):
                return f"yesterday at {local:%H:%M}"
        return f"{day}, {local:%H:%M}"

    return when


def _label(value: str | None) -> str:
    return value.replace("_", " ").capitalize() if value else ""


# --- connections ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionCard:
    view: ConnectionView
    provider_name: str
    bank_name: str | None
    status_label: str
    latest_run: SyncRun | None
    run_label: str
    budget: dict[str, Any] | None


@dataclass(frozen=True)
class ClientInfo:
    provider: str
    name: str
    client_id: str | None
    source: str | None


@router.get("/connections", response_class=HTMLResponse)
def connections_page(request: Request, caller: MaybeCaller, db: Db) -> Response:
    if caller is None:
        return to_login(request)
    ctx: ConnectionsContext = request.app.state.connections
    user_id = caller.user.id
    now = datetime.now(UTC)
    cards = []
    for view in connections.list_for_user(db, user_id, now=now):
        latest = runs.recent(db, user_id, connection_id=view.id, limit=1)
        budget = (
            allowance.summary(db, ctx.settings, view.id, now)
            if view.provider == "truelayer"
            else None
        )
        cards.append(
            ConnectionCard(
                view=view,
                provider_name=PROVIDER_NAMES.get(view.provider, view.provider),
                bank_name=BANK_NAMES.get(view.provider_id or ""),
                status_label=STATUS_LABELS.get(view.status, _label(view.status)),
                latest_run=latest[0] if latest else None,
                run_label=RUN_LABELS.get(latest[0].status, _label(latest[0].status))
                if latest
                else "",
                budget=budget,
            )
        )
    clients = []
    for provider in connections.PROVIDERS:
        source = connections.credentials_source(db, ctx, user_id, provider)
        clients.append(
            ClientInfo(
                provider=provider,
                name="Monzo" if provider == "monzo" else "TrueLayer (Open Banking)",
                client_id=source["client_id"],
                source=source["source"],
            )
        )
    return render(
        request,
        "connections.html",
        caller,
        active="connections",
        cards=cards,
        clients=clients,
        choices=OPEN_BANKING_CHOICES,
        when=_formatter(_zone(request, caller)),
        label=_label,
    )


# --- accounts and pots ---------------------------------------------------------------


@dataclass
class AccountEntry:
    account: Account
    connection_status: str
    pots: list[Pot] = field(default_factory=list)


@dataclass
class AccountGroup:
    key: str
    title: str
    entries: list[AccountEntry]


def _add(totals: dict[str, int], currency: str, amount: int) -> None:
    totals[currency] = totals.get(currency, 0) + amount


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, caller: MaybeCaller, db: Db) -> Response:
    if caller is None:
        return to_login(request)
    user_id = caller.user.id
    rows = mirror.list_accounts(db, user_id)
    entries = {row.account.id: AccountEntry(row.account, row.connection_status) for row in rows}
    for pot in mirror.list_pots(db, user_id):
        if pot.account_id in entries:
            entries[pot.account_id].pots.append(pot)
    groups = []
    for key, title, kinds in ACCOUNT_GROUPS:
        members = [e for e in entries.values() if e.account.kind in kinds]
        if members:
            groups.append(AccountGroup(key, title, members))

    # Each total on its own line, per currency: cards are never netted against cash.
    cash: dict[str, int] = {}
    savings: dict[str, int] = {}
    in_pots: dict[str, int] = {}
    owed: dict[str, int] = {}
    card_credit: dict[str, int] = {}
    for entry in entries.values():
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
        elif account.balance < 0:
            _add(owed, account.currency, -account.balance)
        elif account.balance > 0:
            _add(card_credit, account.currency, account.balance)
    totals = [
        ("Cash in current accounts", cash, "cash"),
        ("In savings accounts", savings, "cash"),
        ("Set aside in pots", in_pots, "cash"),
        ("Owed on credit cards", owed, "owed"),
        ("In credit on cards", card_credit, "cash"),
    ]
    shown = [
        (name, amounts, kind)
        for name, amounts, kind in totals
        if amounts or name in ("Cash in current accounts", "Owed on credit cards")
    ]
    return render(
        request,
        "accounts.html",
        caller,
        active="accounts",
        groups=groups,
        totals=shown if entries else [],
        when=_formatter(_zone(request, caller)),
        label=_label,
        status_labels=STATUS_LABELS,
        provider_names=PROVIDER_NAMES,
        bank_names=BANK_NAMES,
    )


# --- transactions --------------------------------------------------------------------


class BadFilter(DomainError):
    code = "invalid_filter"


def _parse_day(value: str, what: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"The {what} date is not a date; use the format 2026-11-03.") from None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of `day` in the user's zone, as an aware UTC time."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@router.get("/transactions", response_class=HTMLResponse)
def transactions_page(request: Request, caller: MaybeCaller, db: Db) -> Response:
    if caller is None:
        return to_login(request)
    user_id = caller.user.id
    zone = _zone(request, caller)
    params = request.query_params
    form = {
        "q": params.get("q", "").strip()[:200],
        "account": params.get("account", "").strip(),
        "status": params.get("status", "").strip(),
        "since": params.get("since", "").strip(),
        "until": params.get("until", "").strip(),
    }
    cursor = params.get("cursor", "").strip() or None
    names = mirror.account_names(db, user_id)
    accounts = sorted(names.items(), key=lambda item: item[1].lower())
    rows: list[Transaction] = []
    next_cursor: str | None = None
    error: str | None = None
    try:
        if form["account"] and form["account"] not in names:
            raise BadFilter("Choose one of your accounts.")
        if form["status"] not in {value for value, _ in TRANSACTION_STATUS_CHOICES}:
            raise BadFilter("Choose a status from the list.")
        since = _parse_day(form["since"], "\u201cfrom\u201d")
        until = _parse_day(form["until"], "\u201cto\u201d")
        if since and until and since > until:
            raise BadFilter("The \u201cfrom\u201d date is after the \u201cto\u201d date.")
        filters = mirror.TransactionFilter(
            account_id=form["account"] or None,
            since=_midnight(since, zone) if since else None,
            # "To" includes that whole day: up to the next local midnight.
            until=_midnight(until + timedelta(days=1), zone) if until else None,
            query=form["q"] or None,
            status=form["status"] or None,
        )
        rows, next_cursor = mirror.list_transactions(
            db, user_id, filters, limit=PAGE_SIZE, cursor=cursor
        )
    except DomainError as exc:
        error = exc.message
    kept = {key: value for key, value in form.items() if value}
    older_url = (
        f"/transactions?{urlencode({**kept, 'cursor': next_cursor})}" if next_cursor else None
    )
    newest_url = f"/transactions?{urlencode(kept)}" if kept else "/transactions"
    changed = _changed(db, user_id, params.get("changed", "").strip())
    recurring = _recurring(db, user_id, params.get("recurring", "").strip())
    return render(
        request,
        "transactions.html",
        caller,
        status_code=400 if error else 200,
        active="transactions",
        category_options=_category_options(db, user_id, rows),
        classification_labels=CLASSIFICATION_LABELS,
        back=f"/transactions?{urlencode({**kept, 'cursor': cursor})}" if cursor else newest_url,
        changed=changed,
        recurring=recurring,
        cadence_names=CADENCE_NAMES,
        **_outcome_flash(params.get("saved", "")),
        error=error,
        form=form,
        filtered=bool(kept),
        accounts=accounts,
        has_accounts=bool(names),
        account_names=names,
        statuses=TRANSACTION_STATUS_CHOICES,
        rows=rows,
        older_url=older_url,
        newest_url=newest_url if cursor else None,
        when=_formatter(zone),
        label=_label,
    )


# --- re-categorising from the transactions page ---------------------------------------

CLASSIFICATION_LABELS = {
    "spending": "Spending",
    "income": "Income",
    "internal_transfer": "Transfer between your accounts",
    "card_repayment": "Card repayment",
    "pot_move": "Pot move",
}
AUTOMATIC = "auto"
_SAVED = {
    "category": ("success", "Saved. Your choice stays, whatever the next sync brings."),
    "applied": ("success", "Applied to every transaction of that merchant, past and future."),
    "dismissed": ("info", "Understood: that suggestion will not be offered again."),
}


@dataclass(frozen=True)
class Changed:
    """The transaction just re-categorised, and the rule it suggests, if any."""

    transaction: Transaction
    suggestion: Any


def _changed(db: Any, user_id: str, transaction_id: str) -> Changed | None:
    if not transaction_id:
        return None
    found = get_owned(db, Transaction, transaction_id, user_id)
    if found is None or found.merchant_key is None:
        return None
    offered = choices.suggestions(db, user_id, merchant_key=found.merchant_key)
    return Changed(found, offered[0] if offered else None)


def _recurring(db: Any, user_id: str, commitment_id: str) -> Commitment | None:
    """The commitment just made from a transaction (only ever the user's own)."""
    if not commitment_id:
        return None
    return get_owned(db, Commitment, commitment_id, user_id)


def _outcome_flash(saved: str) -> dict[str, Any]:
    message = _SAVED.get(saved)
    return {"flash": message} if message else {}


def _category_options(db: Any, user_id: str, rows: list[Transaction]) -> list[str]:
    """The standard categories, the user's rule categories and those on this page."""
    own = {r.category for r in choices.list_rules(db, user_id)}
    shown = {t.category for t in rows if t.category}
    return sorted(set(category_names.CATEGORIES) | own | shown)


def _back_to(back: str, **extra: str) -> str:
    """Only ever back to the transactions page (never an address from elsewhere)."""
    parts = urlsplit(back)
    query = parts.query if parts.path == "/transactions" and not parts.netloc else ""
    joined = "&".join(q for q in (query, urlencode(extra)) if q)
    return f"/transactions?{joined}" if joined else "/transactions"


FormValue = Annotated[str, Form()]


@router.post("/transactions/{transaction_id}/category")
def recategorise(
    transaction_id: str,
    request: Request,
    caller: MaybeCaller,
    db: Db,
    category: FormValue = "",
    classification: FormValue = "",
    back: FormValue = "/transactions",
) -> Response:
    """The per-row form: a category and a classification, each the user's own or automatic."""
    if caller is None:
        return to_login(request)
    current = get_owned(db, Transaction, transaction_id, caller.user.id)
    changes: dict[str, Any] = {}
    if current is not None:
        wanted_category = None if category in ("", AUTOMATIC) else category
        if wanted_category != (current.category if current.category_source == "user" else None):
            changes["category"] = wanted_category
        wanted_class = None if classification in ("", AUTOMATIC) else classification
        own_class = current.classification if current.classification_source == "user" else None
        if wanted_class != own_class:
            changes["classification"] = wanted_class
    if changes or current is None:
        choices.set_choice(db, caller.user.id, transaction_id, **changes)
    target = _back_to(back, saved="category", changed=transaction_id)
    return RedirectResponse(f"{target}#tx-{transaction_id}", status_code=303)


@router.post("/transactions/suggestions/apply")
def apply_suggestion(
    request: Request,
    caller: MaybeCaller,
    db: Db,
    merchant_key: FormValue = "",
    category: FormValue = "",
    back: FormValue = "/transactions",
) -> Response:
    if caller is None:
        return to_login(request)
    choices.apply_suggestion(db, caller.user.id, merchant_key, category)
    return RedirectResponse(_back_to(back, saved="applied"), status_code=303)


@router.post("/transactions/suggestions/dismiss")
def dismiss_suggestion(
    request: Request,
    caller: MaybeCaller,
    db: Db,
    merchant_key: FormValue = "",
    category: FormValue = "",
    back: FormValue = "/transactions",
) -> Response:
    if caller is None:
        return to_login(request)
    choices.dismiss_suggestion(db, caller.user.id, merchant_key, category)
    return RedirectResponse(_back_to(back, saved="dismissed"), status_code=303)


@router.post("/transactions/{transaction_id}/recurring")
def mark_recurring(
    transaction_id: str,
    request: Request,
    caller: MaybeCaller,
    db: Db,
    cadence: FormValue = "monthly",
    back: FormValue = "/transactions",
) -> Response:
    """Mark a transaction as recurring: a confirmed commitment like it, from its date on
    (only the user's own transactions; another's is not found)."""
    if caller is None:
        return to_login(request)
    view = commitments.from_transaction(
        db,
        caller.user.id,
        transaction_id,
        cadence,
        now=datetime.now(UTC),
        zone=_zone(request, caller),
    )
    target = _back_to(back, recurring=view.id)
    return RedirectResponse(f"{target}#tx-{transaction_id}", status_code=303)
