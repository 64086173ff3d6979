"""Numbers and dates read from query strings and forms outside Django's forms: an id, a
year or a date, or ``None`` when the text is not one — never an exception further down (SQLite refuses an
integer beyond 64 bits with an OverflowError; a year beyond 9999 has no date)."""

from datetime import date

MAX_ID = 2**63 - 1


def id_param(text: str | None) -> int | None:
    """A database id (ASCII digits, 1 … 2⁶³ − 1), or ``None``."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def year_param(text: str | None) -> int | None:
    """A calendar year of four ASCII digits, or ``None``."""
    if not text or len(text) != 4 or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def date_param(text: str | None) -> date | None:
    """A calendar date written YYYY-MM-DD (what a date input sends), or ``None``."""
    if not text or len(text) != 10 or not text.isascii():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
