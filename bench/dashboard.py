"""Benchmark: server time of the dashboard page on national-scale synthetic data.

Builds a throw-away database (SQLite file, or on the PostgreSQL server named by
DATABASE_URL a database ``test_<name>`` created and dropped by the script), loads the
instrument library, runs ``generate_scale_data`` (synthetic, bulk, audit bypassed) at the
chosen size, then times the indicators page through Django's test client (middleware,
permission check, queries, template), median and p95 over varied filters, for the
secretariat (all regions) and a coordinator (one region); then each chart and the
planning page; then the indicators page right after writes marked 1 and 10 visits (the page
catches up before counting).

    .venv/bin/python bench/dashboard.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet_dash_bench .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py --institutions 1000 --visits 10000 --answers 100000 --recommendations 30000
    .venv/bin/python bench/dashboard.py --reuse   # build once (SQLite: var/), then time again

With ``--reuse`` the database is kept; after a change of the dashboard's tables, migrate
brings it up to date (the migration recounts the facts), or delete it to build it again.
"""

import argparse
import os
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
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--recommendations", type=int, default=300_000)
    parser.add_argument("--loads", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database and, if it already holds scale data, time it without rebuilding",
    )
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

    if connection.vendor == "sqlite":
        # Reused data live under var/ (ignored by git); otherwise a file of the temporary dir.
        where = ROOT / "var" if args.reuse else Path(tmp)
        where.mkdir(exist_ok=True)
        settings.DATABASES["default"]["TEST"]["NAME"] = str(where / "bench-dashboard.sqlite3")
    (Path(tmp) / "static").mkdir()
    old = setup_databases(
        verbosity=0,
        interactive=False,
        aliases={"default"},
        keepdb=args.reuse,
        serialized_aliases=set(),  # no copy of the data for rollbacks: it would read it all
    )
    try:
        run(args, connection.vendor)
    finally:
        if not (args.keep or args.reuse):
            teardown_databases(old, verbosity=0)


def _timed(client, url, query, timings):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    response = client.get(url, query)
    timings.append((time.perf_counter() - t0) * 1000)
    assert response.status_code == 200, (url, query, response.status_code)


def _summary(timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else timings[0]
    return f"median {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms, max {timings[-1]:.0f} ms"


def run(args: argparse.Namespace, vendor: str) -> None:
    import random

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kuzet.core.policy import Role
    from kuzet.dashboard.views import CHARTED
    from kuzet.people.models import GroupMembership, RegionalGroup, User
    from kuzet.registry.models import Department, InstitutionType, Region
    from kuzet.visits.models import ComplianceMark, Visit

    started = time.perf_counter()
    reused = args.reuse and Visit.objects.exists()
    if not reused:
        call_command("load_library", verbosity=0)
        call_command(
            "generate_scale_data",
            institutions=args.institutions,
            visits=args.visits,
            answers=args.answers,
            recommendations=args.recommendations,
            i_know_this_is_not_production=True,
        )
    if vendor == "postgresql":
        # What autovacuum would do soon after a bulk load: statistics, and the visibility
        # map that lets covering indexes be read alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    fill = time.perf_counter() - started

    def client_for(role: Role, region: Region | None = None) -> Client:
        user, created = User.objects.get_or_create(username=f"bench-{role}", role=role)
        if region is not None and created:
            group, _ = RegionalGroup.objects.get_or_create(region=region, name="bench")
            GroupMembership.objects.create(group=group, user=user)
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    rng = random.Random(7)
    almaty = Region.objects.get(kato="750000000")
    secretariat = client_for(Role.SECRETARIAT)
    coordinator = client_for(Role.COORDINATOR, almaty)
    regions = list(Region.objects.all())
    departments = list(Department.objects.all())
    types = list(InstitutionType.objects.all())
    year = timezone.localdate().year
    queries = [
        {},
        {"start": f"{year - 1}-01-01", "end": f"{year - 1}-12-31"},
        {"region": str(rng.choice(regions).pk)},
        {"start": f"{year - 9}-01-01", "end": f"{year}-12-31"},
        {"department": str(rng.choice(departments).pk), "start": f"{year - 2}-01-01"},
        {"type": str(rng.choice(types).pk), "kind": "regular"},
        {
            "region": str(rng.choice(regions).pk),
            "start": f"{year - 4}-06-01",
            "end": f"{year - 3}-05-31",
        },
        {"start": f"{year}-03-01", "end": f"{year}-03-31"},
        {"region": "999999", "start": "nonsense"},
        {"start": f"{year - 9}-01-01", "end": f"{year}-12-31", "kind": "special"},
    ]
    print(
        f"database: {vendor}; synthetic scale data "
        + ("reused" if reused else f"built in {fill:.0f} s")
        + ": "
        f"{Region.objects.count()} regions, {args.institutions:,} institutions, "
        f"{Visit.objects.count():,} visits, {ComplianceMark.objects.count():,} checklist answers, "
        f"{args.recommendations:,} recommendations"
    )
    for who, client in (
        ("secretariat (all regions)", secretariat),
        ("coordinator (Almaty city)", coordinator),
    ):
        for query in queries:  # warm-up
            client.get("/dashboard/", query)
        timings: list[float] = []
        for i in range(args.loads):
            _timed(client, "/dashboard/", queries[i % len(queries)], timings)
        print(
            f"indicators page, {who}, {args.loads} loads over {len(queries)} filter sets: {_summary(timings)}"
        )
    chart_timings: list[float] = []
    # One warm-up load (matplotlib's fonts), as for the page above; every timed chart is
    # then drawn for the first time (a drawing is cached by its data).
    secretariat.get("/dashboard/chart/visits_by_kind.svg", {"kind": "thematic"})
    for key in CHARTED:
        for query in queries[:5]:
            _timed(secretariat, f"/dashboard/chart/{key}.svg", query, chart_timings)
    print(
        f"one chart (SVG), secretariat, {len(chart_timings)} loads (12 charts × 5 filter sets): {_summary(chart_timings)}"
    )
    plan_timings: list[float] = []
    secretariat.get("/dashboard/planning/", {"region": str(regions[-1].pk), "year": "2000"})
    for i in range(20):
        _timed(
            secretariat,
            "/dashboard/planning/",
            {"region": str(regions[i % len(regions)].pk)},
            plan_timings,
        )
    print(
        f"planning page (suggestions ranked in the database), 20 loads over 20 regions: {_summary(plan_timings)}"
    )
    try:
        from kuzet.visits.models import VisitChange
    except ImportError:  # the code before the writes marked their visits
        return
    # The page that comes after writes: it recounts the marked visits before counting.
    visit_ids = list(Visit.objects.values_list("pk", flat=True)[:: max(1, args.visits // 500)])
    for marked in (1, 10):
        after_writes: list[float] = []
        for i in range(10):
            for visit_id in rng.sample(visit_ids, marked):
                VisitChange.mark(visit_id)
            _timed(secretariat, "/dashboard/", queries[i % len(queries)], after_writes)
        print(
            f"indicators page, secretariat, after {marked} visit(s) marked by writes (caught up in the page), 10 loads: {_summary(after_writes)}"
        )


if __name__ == "__main__":
    main()
