"""Monzo's API (api.monzo.com) under /monzo/api: accounts, balance, pots, transactions,
feed, attachments, receipts and webhooks, with the quirks the reference lists."""

from __future__ import annotations

import secrets
from bisect import bisect_left
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox.clock import monzo_time, parse_instant
from potwise.sandbox.errors import MonzoError, json_response
from potwise.sandbox.household import Household
from potwise.sandbox.ledger import PotMoveRefused, move_pot_money
from potwise.sandbox.model import MonzoAccount, MonzoTx
from potwise.sandbox.monzo_oauth import MonzoToken
from potwise.sandbox.monzo_shapes import (
    account_json,
    balance_json,
    pot_json,
    tx_fragment,
    tx_json,
)

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld

DEFAULT_LIMIT = 30  # since January 2024 (it used to be 100)
MAX_LIMIT = 100


def _missing(name: str) -> MonzoError:
    return MonzoError(400, f"bad_request.missing_param.{name}", f"The field '{name}' is required")


def _bad(name: str, message: str) -> MonzoError:
    return MonzoError(400, f"bad_request.bad_param.{name}", message)


async def _form(request: Request) -> dict[str, str]:
    # Writes are read from the form body only: parameters in the query string are ignored,
    # as on the real API (a pot move then fails with "must be greater than 0").
    return {k: str(v) for k, v in (await request.form()).items()}


def build_router(world: SandboxWorld) -> APIRouter:
    router = APIRouter()

    def session(request: Request) -> tuple[MonzoToken, Household]:
        token = world.monzo.authenticate(request)
        world.monzo.require_approved(token)
        return token, world.household(token.grant.user)

    def own_account(h: Household, account_id: str) -> MonzoAccount:
        account = h.monzo_accounts.get(account_id)
        if account is None:
            # [A] Undocumented: unknown or someone else's account.
            raise MonzoError(404, "not_found.account", "Account not found")
        return account

    @router.get("/accounts", response_model=None)
    async def accounts(request: Request) -> Response:
        _, h = session(request)
        kind = request.query_params.get("account_type")
        items = [
            account_json(a)
            for a in h.monzo_accounts.values()
            if not a.is_pot_ledger and (kind is None or a.type == kind)
        ]
        return json_response({"accounts": items})

    @router.get("/balance", response_model=None)
    async def balance(request: Request) -> Response:
        _, h = session(request)
        account_id = request.query_params.get("account_id")
        if not account_id:
            raise _missing("account_id")
        account = own_account(h, account_id)
        return json_response(balance_json(h, account, world.clock.now()))

    @router.get("/pots", response_model=None)
    async def pots(request: Request) -> Response:
        _, h = session(request)
        account_id = request.query_params.get("current_account_id")
        if not account_id:
            raise _missing("current_account_id")
        own_account(h, account_id)
        # Deleted pots are still listed (deleted: true), as on the real API.
        items = [pot_json(p) for p in h.pots.values() if p.current_account_id == account_id]
        return json_response({"pots": items})

    async def pot_move(request: Request, pot_id: str, direction: str) -> Response:
        _, h = session(request)
        form = await _form(request)
        pot = h.pots.get(pot_id)
        if pot is None:
            raise MonzoError(404, "not_found.pot", "Pot not found")  # [A]
        account_field = "source_account_id" if direction == "deposit" else "destination_account_id"
        account_id = form.get(account_field, "")
        if not account_id:
            raise _missing(account_field)
        raw = form.get("amount", "")
        amount = int(raw) if raw.strip().lstrip("-").isdigit() else 0
        if amount <= 0:
            raise MonzoError(
                400, "bad_request.bad_param.bad_param.amount", "must be greater than 0"
            )
        dedupe_id = form.get("dedupe_id", "")
        if not dedupe_id:
            raise _missing("dedupe_id")
        own_account(h, account_id)
        try:
            move_pot_money(h, pot, direction, account_id, amount, dedupe_id, world.clock.now())
        except PotMoveRefused as refused:
            raise MonzoError(refused.status, refused.code, refused.message) from None
        return json_response(pot_json(pot))

    @router.put("/pots/{pot_id}/deposit", response_model=None)
    async def deposit(request: Request, pot_id: str) -> Response:
        return await pot_move(request, pot_id, "deposit")

    @router.put("/pots/{pot_id}/withdraw", response_model=None)
    async def withdraw(request: Request, pot_id: str) -> Response:
        return await pot_move(request, pot_id, "withdraw")

    def parse_time(name: str, value: str) -> float:
        try:
            return parse_instant(value).timestamp()
        except ValueError:
            raise _bad(name, f"{name} must be an RFC 3339 timestamp") from None

    @router.get("/transactions", response_model=None)
    async def list_transactions(request: Request) -> Response:
        token, h = session(request)
        params = request.query_params
        account_id = params.get("account_id")
        if not account_id:
            raise _missing("account_id")
        account = own_account(h, account_id)
        raw_limit = params.get("limit")
        if raw_limit is None:
            limit = DEFAULT_LIMIT
        elif raw_limit.isdigit() and int(raw_limit) > 0:
            limit = min(int(raw_limit), MAX_LIMIT)  # [A] above the maximum: clamped
        else:
            raise _bad("limit", "limit must be a positive integer")
        expand = "merchant" in params.getlist("expand[]")
        times = account.times
        since = params.get("since")
        since_ts: float | None = None
        start = 0
        if since:
            if since.startswith("tx_"):
                anchor = h.monzo_txs.get(since)
                if anchor is None or anchor.account_id != account.id:
                    raise _bad("since", "since must be a timestamp or a transaction id")  # [A]
                since_ts = anchor.created.timestamp()
                start = bisect_left(times, since_ts)
                while start < len(times) and account.txs[start] is not anchor:
                    start += 1
                start += 1  # an id is exclusive
            else:
                since_ts = parse_time("since", since)
                start = bisect_left(times, since_ts)  # a timestamp is inclusive
        if not world.monzo.full_history_open(token):
            horizon = world.clock.now() - timedelta(days=world.options.monzo_history_days)
            if since_ts is None or since_ts <= horizon.timestamp():
                raise MonzoError(
                    403,
                    "forbidden.verification_required",
                    "Strong customer authentication is required to access transactions "
                    "older than 90 days",
                )
        end = len(times)
        before = params.get("before")
        if before:
            end = bisect_left(times, parse_time("before", before))  # exclusive
        page = account.txs[start : min(end, start + limit)] if start < end else []
        body = (
            '{"transactions":['
            + ",".join(tx_fragment(tx, expand_merchant=expand) for tx in page)
            + "]}"
        )
        return Response(body, media_type="application/json; charset=utf-8")

    def own_tx(h: Household, tx_id: str) -> MonzoTx:
        tx = h.monzo_txs.get(tx_id)
        if tx is None:
            raise MonzoError(404, "not_found.transaction", "Transaction not found")  # [A]
        return tx

    @router.get("/transactions/{tx_id}", response_model=None)
    async def get_transaction(request: Request, tx_id: str) -> Response:
        _, h = session(request)
        tx = own_tx(h, tx_id)
        expand = "merchant" in request.query_params.getlist("expand[]")
        body = '{"transaction":' + tx_fragment(tx, expand_merchant=expand) + "}"
        return Response(body, media_type="application/json; charset=utf-8")

    @router.patch("/transactions/{tx_id}", response_model=None)
    async def annotate(request: Request, tx_id: str) -> Response:
        _, h = session(request)
        tx = own_tx(h, tx_id)
        form = await _form(request)
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
        tx.touch(world.clock.now())
        return json_response({"transaction": tx_json(tx, expand_merchant=False)})

    @router.post("/feed", response_model=None)
    async def feed(request: Request) -> Response:
        token, h = session(request)
        form = await _form(request)
        account_id = form.get("account_id", "")
        if not account_id:
            raise _missing("account_id")
        own_account(h, account_id)
        if form.get("type") != "basic":
            raise _bad("type", "type must be 'basic'")
        for name in ("params[title]", "params[image_url]"):
            if not form.get(name):
                raise _missing(name)
        world.feed_items.append(
            {
                "user": h.name,
                "account_id": account_id,
                "time": monzo_time(world.clock.now()),
                "client_id": token.grant.client_id,
                "title": form["params[title]"],
                "body": form.get("params[body]", ""),
                "url": form.get("url", ""),
            }
        )
        return json_response({})

    @router.post("/attachment/upload", response_model=None)
    async def attachment_upload(request: Request) -> Response:
        token, _ = session(request)
        form = await _form(request)
        for name in ("file_name", "file_type", "content_length"):
            if not form.get(name):
                raise _missing(name)
        key = secrets.token_urlsafe(8)
        base = f"https://files.example.invalid/{token.grant.user_id}/{key}-{form['file_name']}"
        return json_response({"file_url": base, "upload_url": base + "?upload=1"})

    @router.post("/attachment/register", response_model=None)
    async def attachment_register(request: Request) -> Response:
        token, h = session(request)
        form = await _form(request)
        for name in ("external_id", "file_url", "file_type"):
            if not form.get(name):
                raise _missing(name)
        own_tx(h, form["external_id"])
        attachment = {
            "id": h.ids.monzo("attach"),
            "user_id": token.grant.user_id,
            "external_id": form["external_id"],
            "file_url": form["file_url"],
            "file_type": form["file_type"],
            "created": monzo_time(world.clock.now()),
        }
        world.attachments[attachment["id"]] = attachment
        return json_response({"attachment": attachment})

    @router.post("/attachment/deregister", response_model=None)
    async def attachment_deregister(request: Request) -> Response:
        session(request)
        form = await _form(request)
        if world.attachments.pop(form.get("id", ""), None) is None:
            raise MonzoError(404, "not_found.attachment", "Attachment not found")  # [A]
        return json_response({})

    @router.put("/transaction-receipts", response_model=None)
    async def put_receipt(request: Request) -> Response:
        session(request)
        try:
            receipt: Any = await request.json()
        except ValueError:
            raise MonzoError(400, "bad_request.bad_body", "Body must be JSON") from None
        if not isinstance(receipt, dict) or not receipt.get("external_id"):
            raise _missing("external_id")
        receipt.setdefault("id", "receipt_" + secrets.token_hex(11))
        world.receipts[str(receipt["external_id"])] = receipt
        return json_response({"receipt_id": receipt["id"]})

    @router.get("/transaction-receipts", response_model=None)
    async def get_receipt(request: Request) -> Response:
        session(request)
        receipt = world.receipts.get(request.query_params.get("external_id", ""))
        if receipt is None:
            raise MonzoError(404, "not_found.receipt", "Receipt not found")  # [A]
        return json_response({"receipt": receipt})

    @router.delete("/transaction-receipts", response_model=None)
    async def delete_receipt(request: Request) -> Response:
        session(request)
        world.receipts.pop(request.query_params.get("external_id", ""), None)
        return json_response({})

    @router.post("/webhooks", response_model=None)
    async def register_webhook(request: Request) -> Response:
        token, h = session(request)
        form = await _form(request)
        account_id = form.get("account_id", "")
        if not account_id:
            raise _missing("account_id")
        url = form.get("url", "")
        if not url:
            raise _missing("url")
        own_account(h, account_id)
        hook = world.webhooks.register(
            token.grant.client_id, h.name, account_id, url, h.ids.monzo("webhook")
        )
        return json_response({"webhook": hook.public()})

    @router.get("/webhooks", response_model=None)
    async def list_webhooks(request: Request) -> Response:
        token, h = session(request)
        account_id = request.query_params.get("account_id", "")
        if not account_id:
            raise _missing("account_id")
        own_account(h, account_id)
        hooks = world.webhooks.for_account(token.grant.client_id, account_id)
        return json_response({"webhooks": [hook.public() for hook in hooks]})

    @router.delete("/webhooks/{webhook_id}", response_model=None)
    async def delete_webhook(request: Request, webhook_id: str) -> Response:
        token, _ = session(request)
        if not world.webhooks.delete(token.grant.client_id, webhook_id):
            raise MonzoError(404, "not_found.webhook", "Webhook not found")  # [A]
        return json_response({})

    return router
