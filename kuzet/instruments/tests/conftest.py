import pytest


@pytest.fixture(autouse=True)
def messages_in_english(in_english: None) -> None:
    """Messages are asserted in English here; tests of other languages override inside."""
