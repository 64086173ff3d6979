"""ODK clients talk to the server over HTTP (``collect.py`` builds what ODK Collect sends),
with the run's server key."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def openrosa_server_key(server_key: Path) -> Path:
    return server_key


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None) -> None:
    """Messages are asserted in English here."""
