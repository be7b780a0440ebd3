"""Encryption at rest for tokens and client secrets (MultiFernet, newest key first)."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from potwise.domain.errors import DomainError


class UndecryptableSecret(DomainError):
    """A stored secret was encrypted with a key that is no longer configured."""

    code = "undecryptable_secret"


class Vault:
    """Encrypts with the newest key; decrypts with any configured key."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise UndecryptableSecret(
                "A stored secret cannot be decrypted with the configured POTWISE_ENCRYPTION_KEYS."
            ) from exc

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the newest key (a no-op in meaning, a change in bytes)."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise UndecryptableSecret(
                "A stored secret cannot be decrypted with the configured POTWISE_ENCRYPTION_KEYS."
            ) from exc
