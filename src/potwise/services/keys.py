"""Re-encrypting every stored secret with the newest key (`potwise keys rotate`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from potwise.db.models import Connection, OAuthClient
from potwise.logs import get_logger
from potwise.services.vault import Vault

log = get_logger(__name__)


def rotate_all(db: Session, vault: Vault) -> int:
    """Re-encrypt tokens and client secrets with the first key in ENCRYPTION_KEYS.

    All or nothing: one transaction, so a key that cannot decrypt a value
    (UndecryptableSecret) leaves every row as it was. Returns the number of
    values re-encrypted; afterwards older keys can be dropped from the setting.
    """
    count = 0
    for connection in db.scalars(select(Connection)):
        if connection.access_token_enc:
            connection.access_token_enc = vault.rotate(connection.access_token_enc)
            count += 1
        if connection.refresh_token_enc:
            connection.refresh_token_enc = vault.rotate(connection.refresh_token_enc)
            count += 1
    for client in db.scalars(select(OAuthClient)):
        if client.client_secret_enc:
            client.client_secret_enc = vault.rotate(client.client_secret_enc)
            count += 1
    db.commit()
    log.info("keys.rotated", values=count)
    return count
