from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Messages are asserted in English here; tests of other languages override inside."""
    with translation.override("en"):
        yield
