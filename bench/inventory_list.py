"""Benchmark: server time of the inventory list page on a large inventory.

Builds a throw-away database (SQLite file, or the PostgreSQL database named by
DATABASE_URL, which is created as ``<name>_bench`` and dropped afterwards), fills it with
N synthetic institutions, and times the list page through Django's test client
(middleware, permission check, query, template), median and p95 over varied filters.

    .venv/bin/python bench/inventory_list.py --institutions 10000 --loads 50
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet .venv/bin/python bench/inventory_list.py
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=50)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="kuzet-bench-")
    os.environ.setdefault("KUZET_DEBUG", "0")
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

    # setup_databases creates a fresh test database (test_<name>) and migrates it; for
    # SQLite, a file like production's rather than the in-memory default.
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(Path(tmp) / "bench.sqlite3")
    (Path(tmp) / "static").mkdir()
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        run(args.institutions, args.loads, connection.vendor)
    finally:
        teardown_databases(old, verbosity=0)


def run(count: int, loads: int, vendor: str) -> None:
    from django.test import Client
    from django.utils import timezone

    from kuzet.core.audit import SYSTEM, acting_as
    from kuzet.core.policy import Role
    from kuzet.people.models import User
    from kuzet.registry.models import Institution, InstitutionType, Region

    rng = random.Random(7)
    regions = list(Region.objects.all())
    types = list(InstitutionType.objects.select_related("department"))
    today = timezone.localdate()
    started = time.perf_counter()
    with acting_as(SYSTEM):
        # Through save(), as imports do, so the audit trail and search keys are real.
        for n in range(count):
            kind = rng.choice(types)
            Institution(
                name_ru=f"{kind.short_name_ru} № {n}",
                name_kk=f"№ {n} {kind.short_name_kk}",
                type=kind,
                department=kind.department,
                region=rng.choice(regions),
                address=f"ул. Абая, {n % 300}",
                capacity=rng.randint(20, 1500),
                population=rng.randint(10, 1500),
                last_visited_on=None
                if rng.random() < 0.2
                else today - timezone.timedelta(days=rng.randint(1, 2000)),
            ).save()
    fill_seconds = time.perf_counter() - started

    user = User.objects.create(username="bench", role=Role.PARTICIPANT)
    client = Client()
    client.force_login(user)
    queries = [
        {},
        {"sort": "-days"},
        {"q": "ИВС"},
        {"region": str(rng.choice(regions).pk)},
        {"type": str(rng.choice(types).pk), "sort": "-population"},
        {"q": "абая 12", "sort": "region"},
        {"page": "20"},
    ]
    for query in queries:  # warm-up
        client.get("/inventory/", query)
    timings = []
    for i in range(loads):
        query = queries[i % len(queries)]
        t0 = time.perf_counter()
        response = client.get("/inventory/", query)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    timings.sort()
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(f"database: {vendor}; institutions: {count} (created in {fill_seconds:.1f} s, audited)")
    print(f"inventory list page, {loads} loads over {len(queries)} filter sets:")
    print(
        f"  median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
