"""The notification tests' receivers listen on loopback, standing in for a household's
own receiver: these instances allow private addresses (`POTWISE_NOTIFY_ALLOW_PRIVATE`),
as a single household's may. `test_destinations.py` shows what a shared instance refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from potwise.settings import Settings
from tests.conftest import make_settings


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, notify_allow_private=True)
