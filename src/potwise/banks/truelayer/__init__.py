"""TrueLayer Data API v1 (accounts and cards of UK banks) and its OAuth server.

Built from the offline reference of the documented API, not from the
sandbox: `schemas` (wire shapes), `mapping` (the one place they become
domain types, in our signs), `cards` (what is owed on a card, per issuer),
`failures` (HTTP failures → bank errors), `client` and `oauth`.
"""

from potwise.banks.truelayer.cards import owed_on_card
from potwise.banks.truelayer.client import PSU_IP_HEADER, TrueLayerClient
from potwise.banks.truelayer.mapping import ConnectionDetails
from potwise.banks.truelayer.oauth import DEFAULT_SCOPES, TrueLayerOAuth

__all__ = [
    "DEFAULT_SCOPES",
    "PSU_IP_HEADER",
    "ConnectionDetails",
    "TrueLayerClient",
    "TrueLayerOAuth",
    "owed_on_card",
]
