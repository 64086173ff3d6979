"""A throw-away database for a bench script: production-like settings (debug off, no demo),
a fresh test database migrated by Django (SQLite: a file in a temporary directory, like
production's, not the in-memory default), removed afterwards."""

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Set up Django on a new database; yields the database vendor ("sqlite", "postgresql")."""
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="kuzet-bench-")
    os.environ["KUZET_DEBUG"] = "0"  # templates cached, no query log
    os.environ.pop("KUZET_DEMO", None)
    os.environ.setdefault(
        "KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"
    )
    os.environ.setdefault("KUZET_SSL_REDIRECT", "0")
    os.environ.setdefault("KUZET_ALLOWED_HOSTS", "testserver")
    os.environ["KUZET_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(Path(tmp) / "bench.sqlite3")
    (Path(tmp) / "static").mkdir()
    old = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set()
    )
    try:
        yield connection.vendor
    finally:
        teardown_databases(old, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)
