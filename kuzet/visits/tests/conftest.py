"""The visit tests use the shared planned visit, its leader and member (kuzet/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None) -> None:
    """Messages are asserted in English here."""
