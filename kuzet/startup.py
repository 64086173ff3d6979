"""Start-up guard: configuration and database errors end with one clear line, not a traceback."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from kuzet.env import ConfigError


@contextmanager
def exit_on_config_error() -> Iterator[None]:
    from django.db.utils import OperationalError

    try:
        import kuzet.settings  # noqa: F401  (read the environment before anything else)

        yield
    except ConfigError as exc:
        sys.stderr.write(f"Kuzet configuration error: {exc}\n")
        raise SystemExit(2) from None
    except OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(f"Kuzet cannot use the database given by DATABASE_URL: {first_line}\n")
        raise SystemExit(2) from None
