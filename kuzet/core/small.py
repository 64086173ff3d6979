"""Small-number suppression: a count that could single out a person is shown as "< N" on
public and addressee views (and on the dashboard for visits the viewer cannot open), N
being ``KUZET_KUZET_SMALL_COUNT`` (5 by default). Zero is shown: it reveals nobody."""

from django.conf import settings


def is_small(count: int) -> bool:
    return 0 < count < settings.KUZET_SMALL_COUNT


def small(count: int) -> str:
    """``count`` as it may be shown: the number, or "< N" below the threshold."""
    if is_small(count):
        return f"< {settings.KUZET_SMALL_COUNT}"
    return str(count)


def small_or_none(count: int) -> int | None:
    """For data files: the count, or None (null, an empty CSV cell) below the threshold."""
    return None if is_small(count) else count
