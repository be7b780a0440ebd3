"""The control API under /_sandbox (JSON), as CONTRACT.md lists it, and its HTML page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from potwise.sandbox.clients import OAuthClient
from potwise.sandbox.clock import monzo_time, parse_duration, parse_instant
from potwise.sandbox.errors import json_response
from potwise.sandbox.faults import FaultSpecError
from potwise.sandbox.household import Household
from potwise.sandbox.ledger import ledger_view
from potwise.sandbox.model import MerchantSpec, TLAccount
from potwise.sandbox.pages import render
from potwise.sandbox.providers import PROVIDERS
from potwise.sandbox.truelayer_shapes import card_current
from potwise.sandbox.ukcalendar import add_working_days
from potwise.sandbox.world import UnknownUser

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

KINDS = ("purchase", "refund", "repayment", "income", "transfer")


class ControlError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def control_error_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, ControlError):
        raise exc
    return json_response({"error": {"code": exc.code, "message": exc.message}}, exc.status)


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


# ------------------------------------------------------------------ views
def household_view(world: SandboxWorld, h: Household) -> dict[str, Any]:
    monzo = []
    for account in h.monzo_accounts.values():
        if account.is_pot_ledger:
            continue
        monzo.append(
            {
                "id": account.id,
                "type": account.type,
                "closed": account.closed,
                "description": account.description,
                "balance": account.balance,
                "owners": [o["preferred_name"] for o in account.owners],
                "transactions": len(account.txs),
            }
        )
    pots = [
        {
            "id": p.id,
            "name": p.name,
            "balance": p.balance,
            "deleted": p.deleted,
            "current_account_id": p.current_account_id,
            "pot_account_id": p.pot_account_id,
            "goal_amount": p.goal_amount,
        }
        for p in h.pots.values()
    ]
    truelayer: dict[str, list[dict[str, Any]]] = {}
    for tl in h.tl_accounts.values():
        entry: dict[str, Any] = {
            "id": tl.account_id,
            "kind": tl.kind,
            "display_name": tl.display_name,
            "settled_transactions": len(tl.settled),
            "pending_transactions": len(tl.pending),
        }
        if tl.kind == "card":
            # Issuer's view, in pence: positive = the user owes this much.
            entry["current"] = card_current(tl)
            entry["settled_balance"] = tl.settled_balance
            entry["credit_limit"] = tl.credit_limit
            # The last statement as the card balance endpoint reports it (pence, the
            # issuer's view); null where the provider reports none (Amex: no payment due).
            entry["last_statement_balance"] = tl.last_statement_balance
            entry["last_statement_date"] = (
                tl.last_statement_date.isoformat() if tl.last_statement_date else None
            )
            reports_due = tl.reports_payment_due and tl.payment_due_date is not None
            entry["payment_due"] = tl.payment_due if reports_due else None
            entry["payment_due_date"] = (
                tl.payment_due_date.isoformat() if reports_due and tl.payment_due_date else None
            )
        else:
            entry["current"] = tl.settled_balance
            entry["overdraft"] = tl.overdraft
        truelayer.setdefault(tl.provider_id, []).append(entry)
    return {
        "name": h.name,
        "people": [{"user_id": p.user_id, "name": p.full} for p in h.people],
        "monzo": {
            "user_id": h.main.user_id,
            "accounts": monzo,
            "pots": pots,
            "pending_approvals": len(world.monzo.pending(h.name)),
        },
        "truelayer": truelayer,
        "providers": {pid: p.display_name for pid, p in PROVIDERS.items()},
    }


def truth_view(h: Household) -> dict[str, Any]:
    return {
        "user": h.name,
        "payday": h.payday,
        "recurring": [
            {
                "payee": r.payee,
                "amount": r.amount,
                "cadence": r.cadence,
                "direction": r.direction,
                "active": r.active,
                "transaction_ids": list(r.transaction_ids),
                "key": r.key,
                "bank": r.bank,
                "account": r.account,
                "method": r.method,
                "day_of_month": r.day_of_month,
                "category": r.category,
                "amounts": list(r.amounts),
            }
            for r in h.recurring.values()
        ],
        "internal_transfers": list(h.internal_transfers),
        "card_repayments": list(h.card_repayments),
        "pot_moves": list(h.pot_move_ids),
    }


# --------------------------------------------------------- scenario data
def add_transaction(world: SandboxWorld, h: Household, data: dict[str, Any]) -> dict[str, Any]:
    bank = str(data.get("bank", "monzo"))
    kind = data.get("kind", "purchase")
    if kind not in KINDS:
        raise ControlError(400, "bad_kind", f"kind must be one of {', '.join(KINDS)}")
    amount = data.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ControlError(400, "bad_amount", "amount must be a positive integer of pence")
    description = str(data.get("description") or "SANDBOX SHOP")
    pending = bool(data.get("pending", kind == "purchase"))
    now = world.clock.now()
    settle_at = datetime.combine(add_working_days(now.date(), 1), now.timetz())
    spec = MerchantSpec(
        key="custom:" + description.lower(),
        name=description.title(),
        acquirer_text=description.upper()[:22],
        category=str(data.get("category", "general")),
        mcc="5999",
        emoji="🛍️",
        city="LONDON",
        postcode="EC1A 1BB",
        online=False,
        tl_classification=("Shopping", "General"),
    )
    if bank == "monzo":
        account_id = str(data.get("account") or h.personal_id)
        if account_id not in h.monzo_accounts or h.monzo_accounts[account_id].is_pot_ledger:
            raise ControlError(404, "unknown_account", f"no Monzo account {account_id}")
        if kind in ("purchase", "refund"):
            tx = h.card_payment(account_id, spec, amount, now, refund=kind == "refund")
            if pending:
                h.schedule(settle_at, lambda w: h.settle_monzo(tx, w))
            else:
                h.settle_monzo(tx, now)
        elif kind == "income":
            tx = h.faster_payment(
                account_id,
                description.upper(),
                amount,
                now,
                reference=description.upper(),
                category="income",
                account_number=h.ids.digits(8),
                sort_code="200000",
            )
        elif kind == "transfer":
            tx = h.faster_payment(
                account_id,
                description.upper(),
                -amount,
                now,
                reference=description.upper(),
                category="transfers",
                account_number=h.ids.digits(8),
                sort_code="309634",
            )
        else:
            tx = h.direct_debit(account_id, description, amount, now)
            h.card_repayments.append(tx.id)
        return {
            "bank": "monzo",
            "account": account_id,
            "transaction_id": tx.id,
            "pending": tx.settled is None,
            "balance": h.monzo_accounts[account_id].balance,
        }
    provider_id = bank
    if provider_id not in PROVIDERS:
        raise ControlError(400, "unknown_bank", f"bank must be monzo or one of {list(PROVIDERS)}")
    accounts = [a for a in h.tl_accounts.values() if a.provider_id == provider_id]
    account_id = data.get("account") or accounts[0].account_id
    found = next((a for a in accounts if a.account_id == account_id), None)
    if found is None:
        raise ControlError(404, "unknown_account", f"no {provider_id} account {account_id}")
    return _tl_transaction(h, found, kind, amount, description, spec, pending, now, settle_at)


def _tl_transaction(
    h: Household,
    account: TLAccount,
    kind: str,
    amount: int,
    description: str,
    spec: MerchantSpec,
    pending: bool,
    now: datetime,
    settle_at: datetime,
) -> dict[str, Any]:
    card = account.kind == "card"
    if card:
        signed = {"purchase": amount, "refund": -amount, "repayment": -amount}.get(kind)
        if signed is None:
            raise ControlError(400, "bad_kind", "cards take purchase, refund or repayment")
    else:
        signed = amount if kind in ("income", "refund") else -amount
    category = {
        "purchase": "PURCHASE",
        "refund": "CREDIT",
        "repayment": "CREDIT" if card else "DIRECT_DEBIT",
        "income": "CREDIT",
        "transfer": "TRANSFER",
    }[kind]
    text = description.upper()
    if card and kind == "repayment":
        text = "PAYMENT RECEIVED - THANK YOU"
    row = h.tl_new_row(
        account,
        now,
        signed,
        text,
        category,
        merchant_name=spec.name if kind in ("purchase", "refund") else None,
        classification=spec.tl_classification if kind == "purchase" else (),
        meta={"provider_transaction_category": category[:3]},
    )
    if pending and kind in ("purchase", "refund"):
        h.tl_add_pending(account, row)

        def settle(when: datetime) -> None:
            h.tl_settle(account, row, when)

        h.schedule(settle_at, settle)
    else:
        h.tl_post(account, row)
        if kind == "repayment":
            h.card_repayments.append(row.transaction_id)
    return {
        "bank": account.provider_id,
        "account": account.account_id,
        "transaction_id": row.transaction_id,
        "pending": row.pending,
        "settled_balance": account.settled_balance,
    }


def set_balance(world: SandboxWorld, h: Household, data: dict[str, Any]) -> dict[str, Any]:
    """Set a balance by posting an adjustment, so balances stay the sum of transactions."""
    target = data.get("balance")
    if not isinstance(target, int) or isinstance(target, bool):
        raise ControlError(400, "bad_balance", "balance must be an integer of pence")
    bank = str(data.get("bank", "monzo"))
    now = world.clock.now()
    if bank == "monzo":
        account_id = str(data.get("account") or h.personal_id)
        account = h.monzo_accounts.get(account_id)
        if account is None or account.is_pot_ledger:
            raise ControlError(404, "unknown_account", f"no Monzo account {account_id}")
        gap = target - account.balance
        if gap:
            h.faster_payment(
                account_id,
                "SANDBOX ADJUSTMENT",
                gap,
                now,
                reference="BALANCE ADJUSTMENT",
                category="general",
                account_number="00000000",
                sort_code="000000",
            )
        return {"bank": "monzo", "account": account_id, "balance": account.balance}
    tl_account = h.tl_accounts.get(str(data.get("account", "")))
    if tl_account is None or tl_account.provider_id != bank:
        raise ControlError(404, "unknown_account", "no such TrueLayer account for that bank")
    # Cards: the target is what the issuer reports as `current` (positive = owed).
    current = card_current(tl_account) if tl_account.kind == "card" else tl_account.settled_balance
    gap = target - current
    if gap:
        h.tl_post(tl_account, h.tl_new_row(tl_account, now, gap, "BALANCE ADJUSTMENT", "OTHER"))
    return {
        "bank": bank,
        "account": tl_account.account_id,
        "current": card_current(tl_account)
        if tl_account.kind == "card"
        else tl_account.settled_balance,
    }


def create_users(world: SandboxWorld, data: dict[str, Any]) -> dict[str, Any]:
    """Add one named household, or N numbered ones with ready-made tokens for load tests."""
    years = data.get("years")
    if years is not None and (not isinstance(years, int) or years < 0 or years > 30):
        raise ControlError(400, "bad_years", "years must be an integer from 0 to 30")
    if "name" in data:
        name = str(data["name"])
        if not name or "/" in name:
            raise ControlError(400, "bad_name", "name must be a non-empty path segment")
        world.add_user(name, years)
        return {"users": [{"name": name}]}
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
    # The consent a client asking for every data scope gets through the auth link:
    # a provider that has no bank accounts (Amex) answers those endpoints itself
    # (501), it does not narrow the token.
    scopes = [
        "info",
        "accounts",
        "balance",
        "cards",
        "transactions",
        "direct_debits",
        "standing_orders",
        "offline_access",
    ]
    for provider in PROVIDERS.values():
        connection = world.truelayer.connect(name, provider.provider_id, client_id, scopes)
        truelayer[provider.provider_id] = {
            **world.truelayer.token_body(connection, "sandbox", rotate=True),
            "credentials_id": connection.credentials_id,
        }
    return {"monzo": {"user_id": h.main.user_id, **body}, "truelayer": truelayer}


def build_router(world: SandboxWorld) -> APIRouter:
    router = APIRouter()

    def household(name: str) -> Household:
        try:
            return world.household(name)
        except UnknownUser:
            raise ControlError(404, "unknown_user", f"no sandbox user {name!r}") from None

    def clock_view() -> dict[str, Any]:
        return {"now": monzo_time(world.clock.now()), "frozen": world.clock.frozen}

    @router.get("/clock", response_model=None)
    async def get_clock() -> Response:
        return json_response(clock_view())

    @router.post("/clock", response_model=None)
    async def move_clock(request: Request) -> Response:
        data = await _body(request)
        try:
            if "advance" in data:
                world.clock.advance(parse_duration(str(data["advance"])))
            elif "set" in data:
                world.clock.set(parse_instant(str(data["set"])))
            else:
                raise ControlError(400, "bad_clock", 'give {"advance": "PT3H"} or {"set": ...}')
        except ValueError as error:
            raise ControlError(400, "bad_clock", str(error)) from None
        world.advance_all()
        return json_response(clock_view())

    @router.post("/reset", response_model=None)
    async def reset(request: Request) -> Response:
        data = await _body(request)
        seed, years = data.get("seed"), data.get("years")
        if seed is not None and not isinstance(seed, int):
            raise ControlError(400, "bad_seed", "seed must be an integer")
        if years is not None and (not isinstance(years, int) or not 0 <= years <= 30):
            raise ControlError(400, "bad_years", "years must be an integer from 0 to 30")
        world.reset(seed, years)
        return json_response(
            {"seed": world.seed, "years": world.years, "users": world.user_names(), **clock_view()}
        )

    @router.get("/users", response_model=None)
    async def list_users() -> Response:
        return json_response({"users": world.user_names()})

    @router.post("/users", response_model=None)
    async def add_users(request: Request) -> Response:
        return json_response(create_users(world, await _body(request)), 201)

    @router.get("/users/{user}", response_model=None)
    async def get_user(user: str) -> Response:
        return json_response(household_view(world, household(user)))

    @router.post("/users/{user}/monzo/approve", response_model=None)
    async def approve(user: str) -> Response:
        household(user)
        return json_response({"approved": world.monzo.approve(user)})

    @router.post("/users/{user}/transactions", response_model=None)
    async def transactions(user: str, request: Request) -> Response:
        h = household(user)
        return json_response(add_transaction(world, h, await _body(request)), 201)

    @router.post("/users/{user}/balance", response_model=None)
    async def balance(user: str, request: Request) -> Response:
        h = household(user)
        return json_response(set_balance(world, h, await _body(request)))

    @router.get("/users/{user}/ledger", response_model=None)
    async def ledger(user: str) -> Response:
        return json_response({"moves": ledger_view(household(user))})

    @router.get("/users/{user}/truth", response_model=None)
    async def truth(user: str) -> Response:
        return json_response(truth_view(household(user)))

    @router.get("/faults", response_model=None)
    async def list_faults() -> Response:
        return json_response({"faults": [f.view() for f in world.faults.list()]})

    @router.post("/faults", response_model=None)
    async def add_fault(request: Request) -> Response:
        try:
            fault = world.faults.add(await _body(request))
        except (FaultSpecError, ValueError, TypeError) as error:
            raise ControlError(400, "bad_fault", str(error)) from None
        return json_response(fault.view(), 201)

    @router.delete("/faults", response_model=None)
    async def clear_faults() -> Response:
        world.faults.clear()
        return json_response({"faults": []})

    @router.post("/clients", response_model=None)
    async def add_client(request: Request) -> Response:
        data = await _body(request)
        if not data.get("client_id") or not data.get("client_secret"):
            raise ControlError(400, "bad_client", "client_id and client_secret are required")
        uris = data.get("redirect_uris")
        client = world.clients.add(
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

    @router.get("/webhooks/deliveries", response_model=None)
    async def deliveries() -> Response:
        return json_response({"deliveries": world.webhooks.view()})

    @router.get("/feed", response_model=None)
    async def feed() -> Response:
        return json_response({"items": world.feed_items})

    # ---------------------------------------------------------- HTML page
    @router.get("", response_model=None)
    async def page(request: Request) -> Response:
        name = request.query_params.get("user", "demo")
        if not world.has_user(name):
            name = "demo"
        h = household(name)
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
            )
        )

    @router.post("/ui/{action}", response_model=None)
    async def ui(action: str, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        name = form.get("user", "demo")
        message = "done"
        try:
            h = household(name)
            if action == "approve":
                message = f"approved {world.monzo.approve(name)} pending Monzo login(s)"
            elif action == "clock":
                world.clock.advance(parse_duration(form.get("advance", "P1D")))
                world.advance_all()
                message = f"clock moved to {monzo_time(world.clock.now())}"
            elif action == "transaction":
                result = add_transaction(
                    world,
                    h,
                    {
                        "bank": form.get("bank", "monzo"),
                        "kind": form.get("kind", "purchase"),
                        "amount": int(
                            (Decimal(form.get("amount") or "0") * 100).to_integral_value()
                        ),
                        "description": form.get("description", ""),
                        "pending": form.get("pending") == "on",
                    },
                )
                message = f"added {result['transaction_id']}"
            elif action == "clear_faults":
                world.faults.clear()
                message = "faults cleared"
            else:
                message = f"unknown action {action}"
        except (ControlError, ValueError, InvalidOperation) as error:
            message = str(error)
        return RedirectResponse(f"/_sandbox?user={name}&message={message}", status_code=303)

    return router
