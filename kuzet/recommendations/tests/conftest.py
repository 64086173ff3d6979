"""The recommendation tests use the shared planned visit and its team (kuzet/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None) -> None:
    """Messages are asserted in English here."""
