"""Monzo's developer API: OAuth, the client, its JSON schemas and the mapping to domain types.

Built from the offline reference (`../shared/reference/monzo-api.md`), not
from the sandbox, so the sandbox can check it independently.
"""

from potwise.banks.monzo.client import Identity, MonzoClient, RegisteredWebhook
from potwise.banks.monzo.errors import HistoryWindowClosed
from potwise.banks.monzo.mapping import parse_webhook
from potwise.banks.monzo.oauth import MonzoOAuth

__all__ = [
    "HistoryWindowClosed",
    "Identity",
    "MonzoClient",
    "MonzoOAuth",
    "RegisteredWebhook",
    "parse_webhook",
]
