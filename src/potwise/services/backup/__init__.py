"""Backups: one file with the database and the keys (`potwise backup`), and restoring
it onto an empty database (`potwise restore`). See `archive.py` for the file's shape."""

from __future__ import annotations

from potwise.services.backup.errors import BackupError
from potwise.services.backup.keyring import SETTING_NAMES, KeyMaterial
from potwise.services.backup.restore import Restored, read_keys, restore_backup
from potwise.services.backup.take import BackupTaken, default_name, take_backup

__all__ = [
    "SETTING_NAMES",
    "BackupError",
    "BackupTaken",
    "KeyMaterial",
    "Restored",
    "default_name",
    "read_keys",
    "restore_backup",
    "take_backup",
]
