"""The one error a backup or a restore stops with: a one-line reason, never a secret."""

from __future__ import annotations

from potwise.domain.errors import DomainError


class BackupError(DomainError):
    """A backup cannot be taken, or a restore cannot go on; the message says why."""

    code = "backup_failed"
