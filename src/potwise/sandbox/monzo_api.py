"""Monzo's API (api.monzo.com) under /monzo/api: accounts, balance, pots, transactions,
feed, attachments, receipts and webhooks, with the quirks the reference lists."""

from __future__ import annotations

from bisect import bisect_left
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox.clock import parse_instant
from potwise.sandbox.errors import MonzoError, json_response
from potwise.sandbox.household import Household
from potwise.sandbox.ledger import PotMoveRefused, move_pot_money
from potwise.sandbox.model import MonzoAccount
from potwise.sandbox.monzo_additions import MonzoAdditions
from potwise.sandbox.monzo_oauth import MonzoToken
from potwise.sandbox.monzo_requests import (
    bad,
    not_found,
    own_account,
    own_tx,
    read_form,
    required,
    session,
)
from potwise.sandbox.monzo_shapes import account_json, balance_json, pot_json, tx_fragment, tx_json
from potwise.sandbox.routes import router_of

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

DEFAULT_LIMIT = 30  # since January 2024 (it used to be 100)
MAX_LIMIT = 100


def _parse_time(name: str, value: str) -> float:
    try:
        return parse_instant(value).timestamp()
    except ValueError:
        raise bad(name, f"{name} must be an RFC 3339 timestamp") from None


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if raw.isdigit() and int(raw) > 0:
        return min(int(raw), MAX_LIMIT)  # [A] above the maximum: clamped
    raise bad("limit", "limit must be a positive integer")


def _since(h: Household, account: MonzoAccount, since: str | None) -> tuple[float | None, int]:
    """(the instant `since` names, the index of the first transaction after it)."""
    if not since:
        return None, 0
    times = account.times
    if not since.startswith("tx_"):
        since_ts = _parse_time("since", since)
        return since_ts, bisect_left(times, since_ts)  # a timestamp is inclusive
    anchor = h.monzo_txs.get(since)
    if anchor is None or anchor.account_id != account.id:
        raise bad("since", "since must be a timestamp or a transaction id")  # [A]
    since_ts = anchor.created.timestamp()
    start = bisect_left(times, since_ts)
    while start < len(times) and account.txs[start] is not anchor:
        start += 1
    return since_ts, start + 1  # an id is exclusive


def _expand_merchant(params: QueryParams) -> bool:
    return "merchant" in params.getlist("expand[]")


class MonzoApi:
    """The handlers of accounts, balance, pots and transactions, bound to one world."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world

    def session(self, request: Request) -> tuple[MonzoToken, Household]:
        return session(self.world, request)

    # ------------------------------------------------------------ accounts
    async def accounts(self, request: Request) -> Response:
        _, h = self.session(request)
        kind = request.query_params.get("account_type")
        items = [
            account_json(a)
            for a in h.monzo_accounts.values()
            if not a.is_pot_ledger and (kind is None or a.type == kind)
        ]
        return json_response({"accounts": items})

    async def balance(self, request: Request) -> Response:
        _, h = self.session(request)
        account = own_account(h, required(request.query_params, "account_id"))
        return json_response(balance_json(h, account, self.world.clock.now()))

    # ---------------------------------------------------------------- pots
    async def pots(self, request: Request) -> Response:
        _, h = self.session(request)
        account_id = required(request.query_params, "current_account_id")
        own_account(h, account_id)
        # Deleted pots are still listed (deleted: true), as on the real API.
        items = [pot_json(p) for p in h.pots.values() if p.current_account_id == account_id]
        return json_response({"pots": items})

    async def deposit(self, request: Request, pot_id: str) -> Response:
        return await self._pot_move(request, pot_id, "deposit")

    async def withdraw(self, request: Request, pot_id: str) -> Response:
        return await self._pot_move(request, pot_id, "withdraw")

    async def _pot_move(self, request: Request, pot_id: str, direction: str) -> Response:
        _, h = self.session(request)
        form = await read_form(request)
        pot = h.pots.get(pot_id)
        if pot is None:
            raise not_found("pot")  # [A]
        account_field = "source_account_id" if direction == "deposit" else "destination_account_id"
        account_id = required(form, account_field)
        raw = form.get("amount", "")
        amount = int(raw) if raw.strip().lstrip("-").isdigit() else 0
        if amount <= 0:
            raise MonzoError(
                400, "bad_request.bad_param.bad_param.amount", "must be greater than 0"
            )
        dedupe_id = required(form, "dedupe_id")
        own_account(h, account_id)
        try:
            move_pot_money(h, pot, direction, account_id, amount, dedupe_id, self.world.clock.now())
        except PotMoveRefused as refused:
            raise MonzoError(refused.status, refused.code, refused.message) from None
        return json_response(pot_json(pot))

    # -------------------------------------------------------- transactions
    async def list_transactions(self, request: Request) -> Response:
        token, h = self.session(request)
        params = request.query_params
        account = own_account(h, required(params, "account_id"))
        limit = _limit(params.get("limit"))
        expand = _expand_merchant(params)
        since_ts, start = _since(h, account, params.get("since"))
        self._check_history_window(token, since_ts)
        end = len(account.times)
        before = params.get("before")
        if before:
            end = bisect_left(account.times, _parse_time("before", before))  # exclusive
        page = account.txs[start : min(end, start + limit)] if start < end else []
        body = (
            '{"transactions":['
            + ",".join(tx_fragment(tx, expand_merchant=expand) for tx in page)
            + "]}"
        )
        return Response(body, media_type="application/json; charset=utf-8")

    def _check_history_window(self, token: MonzoToken, since_ts: float | None) -> None:
        """After the SCA window, only the last 90 days (and `since` must say so)."""
        world = self.world
        if world.monzo.full_history_open(token):
            return
        horizon = world.clock.now() - timedelta(days=world.options.monzo_history_days)
        if since_ts is None or since_ts <= horizon.timestamp():
            raise MonzoError(
                403,
                "forbidden.verification_required",
                "Strong customer authentication is required to access transactions "
                "older than 90 days",
            )

    async def get_transaction(self, request: Request, tx_id: str) -> Response:
        _, h = self.session(request)
        tx = own_tx(h, tx_id)
        expand = _expand_merchant(request.query_params)
        body = '{"transaction":' + tx_fragment(tx, expand_merchant=expand) + "}"
        return Response(body, media_type="application/json; charset=utf-8")

    async def annotate(self, request: Request, tx_id: str) -> Response:
        _, h = self.session(request)
        tx = own_tx(h, tx_id)
        form = await read_form(request)
        for key, value in form.items():
            if not (key.startswith("metadata[") and key.endswith("]")):
                continue
            name = key[len("metadata[") : -1]
            if name == "notes":
                tx.notes = value
            if value == "":
                tx.metadata.pop(name, None)
            else:
                tx.metadata[name] = value
        tx.touch(self.world.clock.now())
        return json_response({"transaction": tx_json(tx, expand_merchant=False)})


def build_router(world: SandboxWorld) -> APIRouter:
    api, extras = MonzoApi(world), MonzoAdditions(world)
    return router_of(
        [
            ("GET", "/accounts", api.accounts),
            ("GET", "/balance", api.balance),
            ("GET", "/pots", api.pots),
            ("PUT", "/pots/{pot_id}/deposit", api.deposit),
            ("PUT", "/pots/{pot_id}/withdraw", api.withdraw),
            ("GET", "/transactions", api.list_transactions),
            ("GET", "/transactions/{tx_id}", api.get_transaction),
            ("PATCH", "/transactions/{tx_id}", api.annotate),
            ("POST", "/feed", extras.feed),
            ("POST", "/attachment/upload", extras.attachment_upload),
            ("POST", "/attachment/register", extras.attachment_register),
            ("POST", "/attachment/deregister", extras.attachment_deregister),
            ("PUT", "/transaction-receipts", extras.put_receipt),
            ("GET", "/transaction-receipts", extras.get_receipt),
            ("DELETE", "/transaction-receipts", extras.delete_receipt),
            ("POST", "/webhooks", extras.register_webhook),
            ("GET", "/webhooks", extras.list_webhooks),
            ("DELETE", "/webhooks/{webhook_id}", extras.delete_webhook),
        ]
    )
