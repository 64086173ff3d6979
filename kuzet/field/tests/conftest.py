"""The field API's tests talk to it over HTTP as a tablet does (``device.py``; the
``device_for`` fixture is in kuzet/conftest.py), with one server key for the whole run."""

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def field_server_key(server_key: Path) -> Path:
    """Every test here runs with the run's server key."""
    return server_key


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None) -> None:
    """Messages are asserted in English here."""
