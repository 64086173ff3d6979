"""Benchmark: the audit trail page on a long trail.

Builds a throw-away database (``throwaway.py``), writes N synthetic audit events in bulk
(ids in order, hashes not chained: the page does not check the chain), and times the page
as the auditor through Django's test client — median and p95 over the filter sets, with the
queries of one load.

    .venv/bin/python bench/audit_page.py --events 100000 --loads 20
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet .venv/bin/python bench/audit_page.py
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import throwaway_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    with throwaway_database() as vendor:
        run(args.events, args.loads, vendor)


def run(count: int, loads: int, vendor: str) -> None:
    from django.db import connection
    from django.db.models import Max
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kuzet.core.audit import acting_as
    from kuzet.core.models import AuditEvent, AuditHead
    from kuzet.core.policy import Role
    from kuzet.people.models import User
    from kuzet.registry.models import Institution, InstitutionType, Region

    rng = random.Random(14)
    with acting_as(None):  # the system
        people = [
            User.objects.create_user(f"user{n}", password=None, full_name=f"Person {n}",
                                     role=rng.choice([Role.SECRETARIAT, Role.COORDINATOR]))
            for n in range(20)
        ]  # fmt: skip
        auditor = User.objects.create_user("auditor", password=None, role=Role.AUDITOR)
        region = Region.objects.order_by("pk").first()
        kind = InstitutionType.objects.get(code="ivs")
        places = [
            Institution.objects.create(
                name_ru=f"Место {n}", region=region, type=kind, department=kind.department
            )
            for n in range(50)
        ]
    head = AuditEvent.objects.aggregate(top=Max("id"))["top"] or 0
    start = timezone.now() - timedelta(days=365)
    kinds = ["registry.institution", "visits.visit", "visits.interview", "people.user"]
    actions = ["create", "update", "update", "update", "login", "access_denied"]
    began = time.perf_counter()
    batch = []
    for n in range(count):
        action = rng.choice(actions)
        on_record = action in {"create", "update"}
        kind_of = rng.choice(kinds)
        batch.append(
            AuditEvent(
                id=head + n + 1, occurred_at=start + timedelta(seconds=n * 300),
                actor_id=rng.choice(people).pk, actor_username="x", action=action,
                object_type=kind_of if on_record else "",
                object_id=str(rng.choice(places).pk if kind_of == "registry.institution"
                              else rng.randint(1, 5000)) if on_record else "",
                fields=["capacity", "address"] if on_record else [],
                values={"capacity": ["10", "20"]} if kind_of == "registry.institution" else {},
                prev_hash="0", hash=f"bench-{n}",
            )
        )  # fmt: skip
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    # The head follows, so that the sign-in below appends after them.
    AuditHead.objects.filter(pk=1).update(last_id=head + count, last_hash=f"bench-{count - 1}")
    print(
        f"database: {vendor}; {AuditEvent.objects.count()} events "
        f"(written in {time.perf_counter() - began:.1f} s)"
    )
    client = Client()
    client.force_login(auditor)
    # The second factor verified, as in kuzet/conftest.py.
    device = TOTPDevice.objects.create(user=auditor, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    day = (start + timedelta(days=200)).date()
    sets = {
        "none": {},
        "page 500": {"page": "500"},
        "person": {"person": str(people[3].pk)},
        "action": {"action": "access_denied"},
        "type + record": {"type": "registry.institution", "record": str(places[7].pk)},
        "period (a week)": {"from": day.isoformat(), "to": (day + timedelta(days=7)).isoformat()},
        "person + action + period": {
            "person": str(people[5].pk), "action": "update",
            "from": day.isoformat(), "to": (day + timedelta(days=60)).isoformat(),
        },
    }  # fmt: skip
    for name, params in sets.items():
        client.get("/audit/", params)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/audit/", params)
        assert response.status_code == 200, (name, response.status_code)
        queries = len(captured)
        times = []
        for _ in range(loads):
            t = time.perf_counter()
            client.get("/audit/", params)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(
            f"{name:28} {queries:3} queries  median {statistics.median(times):6.1f} ms"
            f"  p95 {p95:6.1f} ms"
        )


if __name__ == "__main__":
    main()
