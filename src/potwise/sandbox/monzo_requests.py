"""What every Monzo API handler shares: the session behind a token, the caller's own
accounts and transactions, reading a form, and the error answers for parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from starlette.requests import Request

from potwise.sandbox.errors import MonzoError
from potwise.sandbox.household import Household
from potwise.sandbox.model import MonzoAccount, MonzoTx
from potwise.sandbox.monzo_oauth import MonzoToken

if TYPE_CHECKING:
    from potwise.sandbox.world import SandboxWorld


def missing(name: str) -> MonzoError:
    return MonzoError(400, f"bad_request.missing_param.{name}", f"The field '{name}' is required")


def bad(name: str, message: str) -> MonzoError:
    return MonzoError(400, f"bad_request.bad_param.{name}", message)


def not_found(what: str) -> MonzoError:
    # [A] Undocumented codes: `not_found.<what>`, "<What> not found".
    return MonzoError(404, f"not_found.{what}", f"{what.capitalize()} not found")


def required(fields: Mapping[str, str], name: str) -> str:
    value = fields.get(name)
    if not value:
        raise missing(name)
    return value


async def read_form(request: Request) -> dict[str, str]:
    # Writes are read from the form body only: parameters in the query string are ignored,
    # as on the real API (a pot move then fails with "must be greater than 0").
    return {k: str(v) for k, v in (await request.form()).items()}


def session(world: SandboxWorld, request: Request) -> tuple[MonzoToken, Household]:
    """The token (approved in the app) and its user's household, brought up to now."""
    token = world.monzo.authenticate(request)
    world.monzo.require_approved(token)
    return token, world.household(token.grant.user)


def own_account(h: Household, account_id: str) -> MonzoAccount:
    account = h.monzo_accounts.get(account_id)
    if account is None:
        # [A] Undocumented: unknown or someone else's account.
        raise not_found("account")
    return account


def own_tx(h: Household, tx_id: str) -> MonzoTx:
    tx = h.monzo_txs.get(tx_id)
    if tx is None:
        raise not_found("transaction")  # [A]
    return tx
