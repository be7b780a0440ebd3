"""What a client app adds to a Monzo user's account: feed items, attachments, receipts
and webhooks. The sandbox keeps them where tests can look (`/_sandbox/feed`, ...)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from potwise.sandbox.clock import monzo_time
from potwise.sandbox.errors import MonzoError, json_response
from potwise.sandbox.monzo_requests import (
    bad,
    missing,
    not_found,
    own_account,
    own_tx,
    read_form,
    required,
    session,
)

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld


class MonzoAdditions:
    """The handlers of feed items, attachments, receipts and webhooks, bound to one world."""

    def __init__(self, world: SandboxWorld) -> None:
        self.world = world

    # ---------------------------------------------------------------- feed
    async def feed(self, request: Request) -> Response:
        world = self.world
        token, h = session(world, request)
        form = await read_form(request)
        account_id = required(form, "account_id")
        own_account(h, account_id)
        if form.get("type") != "basic":
            raise bad("type", "type must be 'basic'")
        for name in ("params[title]", "params[image_url]"):
            required(form, name)
        world.feed_items.append(
            {
                "user": h.name,
                "account_id": account_id,
                "time": monzo_time(world.clock.now()),
                "client_id": token.grant.client_id,
                "title": form["params[title]"],
                "body": form.get("params[body]", ""),
                "url": form.get("url", ""),
                "image_url": form["params[image_url]"],
            }
        )
        return json_response({})

    # --------------------------------------------------------- attachments
    async def attachment_upload(self, request: Request) -> Response:
        token, _ = session(self.world, request)
        form = await read_form(request)
        for name in ("file_name", "file_type", "content_length"):
            required(form, name)
        key = secrets.token_urlsafe(8)
        base = f"https://files.example.invalid/{token.grant.user_id}/{key}-{form['file_name']}"
        return json_response({"file_url": base, "upload_url": base + "?upload=1"})

    async def attachment_register(self, request: Request) -> Response:
        world = self.world
        token, h = session(world, request)
        form = await read_form(request)
        for name in ("external_id", "file_url", "file_type"):
            required(form, name)
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

    async def attachment_deregister(self, request: Request) -> Response:
        session(self.world, request)
        form = await read_form(request)
        if self.world.attachments.pop(form.get("id", ""), None) is None:
            raise not_found("attachment")  # [A]
        return json_response({})

    # ------------------------------------------------------------ receipts
    async def put_receipt(self, request: Request) -> Response:
        session(self.world, request)
        try:
            receipt: Any = await request.json()
        except ValueError:
            raise MonzoError(400, "bad_request.bad_body", "Body must be JSON") from None
        if not isinstance(receipt, dict) or not receipt.get("external_id"):
            raise missing("external_id")
        receipt.setdefault("id", "receipt_" + secrets.token_hex(11))
        self.world.receipts[str(receipt["external_id"])] = receipt
        return json_response({"receipt_id": receipt["id"]})

    async def get_receipt(self, request: Request) -> Response:
        session(self.world, request)
        receipt = self.world.receipts.get(request.query_params.get("external_id", ""))
        if receipt is None:
            raise not_found("receipt")  # [A]
        return json_response({"receipt": receipt})

    async def delete_receipt(self, request: Request) -> Response:
        session(self.world, request)
        self.world.receipts.pop(request.query_params.get("external_id", ""), None)
        return json_response({})

    # ------------------------------------------------------------ webhooks
    async def register_webhook(self, request: Request) -> Response:
        token, h = session(self.world, request)
        form = await read_form(request)
        account_id = required(form, "account_id")
        url = required(form, "url")
        own_account(h, account_id)
        hook = self.world.webhooks.register(
            token.grant.client_id, h.name, account_id, url, h.ids.monzo("webhook")
        )
        return json_response({"webhook": hook.public()})

    async def list_webhooks(self, request: Request) -> Response:
        token, h = session(self.world, request)
        account_id = required(request.query_params, "account_id")
        own_account(h, account_id)
        hooks = self.world.webhooks.for_account(token.grant.client_id, account_id)
        return json_response({"webhooks": [hook.public() for hook in hooks]})

    async def delete_webhook(self, request: Request, webhook_id: str) -> Response:
        token, _ = session(self.world, request)
        if not self.world.webhooks.delete(token.grant.client_id, webhook_id):
            raise not_found("webhook")  # [A]
        return json_response({})
