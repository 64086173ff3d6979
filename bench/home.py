"""Benchmark: the home page ("my work") of every role on a region full of work.

Builds a throw-away database (``bench/throwaway.py``: an SQLite file, or a ``test_<name>``
database on the PostgreSQL server DATABASE_URL names), then, through the services:
``--visits`` (200) visits in one region spread over the stages (planned, drafting, returned
with a reviewer's comment, under review, approved), ``--recommendations`` (5) per approved
visit with deadlines from overdue to far away, a role change waiting, and the notifications
these steps raise. One team (a leader and a participant) is on every visit, so that their
sections are as full as they get.

Then it opens ``/`` through Django's test client as each role: the SQL queries of one request
and the server time, median and p95 over ``--loads`` requests. Prints Markdown.

    .venv/bin/python bench/home.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet_bench .venv/bin/python bench/home.py
"""

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402  (bench/, the script's own folder)

ADVICE = "Обеспечить естественное освещение в камере № {n}, заменив стеклоблоки окнами."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--recommendations", type=int, default=5)
    parser.add_argument("--loads", type=int, default=30)
    args = parser.parse_args()
    with throwaway_database() as vendor:
        run(args, vendor)


def run(args: argparse.Namespace, vendor: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from kuzet.core.policy import Role
    from kuzet.people.models import GroupMembership, RegionalGroup, User
    from kuzet.people.roles import request_role_change
    from kuzet.recommendations.models import Addressee
    from kuzet.recommendations.services import recommendation_issue
    from kuzet.registry.models import Institution, InstitutionType, Region
    from kuzet.visits.models import TeamMember, Visit
    from kuzet.visits.services.lifecycle import visit_transition
    from kuzet.visits.services.planning import TeamPlace, visit_plan
    from kuzet.visits.services.review import review_comment_add

    region = Region.objects.get(kato="750000000")
    group = RegionalGroup.objects.create(region=region, name="Группа")
    people = {}
    for role in Role:
        user = User.objects.create(username=f"bench-{role.value}", role=role)
        if role in (Role.PARTICIPANT, Role.GROUP_LEADER, Role.COORDINATOR):
            GroupMembership.objects.create(group=group, user=user)
        people[role.value] = user
    planner = User.objects.create(username="bench-planner", role=Role.COORDINATOR)
    GroupMembership.objects.create(group=group, user=planner)
    leader, member = people["group_leader"], people["participant"]
    secretariat = people["secretariat"]
    kind = InstitutionType.objects.get(code="ivs")
    addressee = Addressee.objects.get(code="dept-mia-police")
    today = timezone.localdate()
    S = Visit.Status
    stages = [
        (),
        (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING),
        (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW),
        (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING, S.UNDER_REVIEW),
        (S.PREPARATION, S.IN_PROGRESS, S.DEBRIEFED, S.DRAFTING),
    ]
    started = time.perf_counter()
    for n in range(args.visits):
        institution = Institution(
            name_ru=f"ИВС № {n}", type=kind, department=kind.department, region=region
        )
        institution.save()
        visit = visit_plan(
            actor=planner, institution=institution,
            planned_date=today + timedelta(days=(n % 60) - 40),
            team=[TeamPlace(leader, TeamMember.Role.LEADER), TeamPlace(member, TeamMember.Role.MEMBER)],
        )  # fmt: skip
        stage = n % len(stages)
        for status in stages[stage]:
            visit = visit_transition(actor=leader, visit=visit, to_status=status)
        if stage == 3:  # returned with a comment
            review_comment_add(actor=planner, visit=visit, section="findings", text="Уточните")
            visit_transition(actor=planner, visit=visit, to_status=S.RETURNED, comment="Дополнить")
        if stage == 4:  # approved, with recommendations
            for k in range(args.recommendations):
                recommendation_issue(
                    actor=leader, visit=visit, text_ru=ADVICE.format(n=k), addressee=addressee,
                    theme="material_conditions", deadline=today + timedelta(days=(n + k) % 60 - 20),
                )  # fmt: skip
            visit = visit_transition(actor=leader, visit=visit, to_status=S.UNDER_REVIEW)
            visit_transition(actor=secretariat, visit=visit, to_status=S.APPROVED)
    newcomer = User.objects.create(username="bench-newcomer")
    second = User.objects.create(username="bench-admin2", role=Role.ADMINISTRATOR)
    request_role_change(actor=second, user=newcomer, to_role=Role.SECRETARIAT)
    built = time.perf_counter() - started

    print(f"## Home page, {vendor}: {Visit.objects.count()} visits, built in {built:.0f} s\n")
    print(f"{platform.processor() or platform.machine()}, load average {os.getloadavg()[0]:.1f}\n")
    print("| role | sections | queries | median ms | p95 ms |")
    print("|---|---|---|---|---|")
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        if user.needs_two_factor:
            device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        response = client.get("/")
        assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/")
        queries = len(captured)  # now: the log is cleared when the connection closes
        sections = response.content.decode().count('class="card work-section"')
        times = []
        for _ in range(args.loads):
            begin = time.perf_counter()
            client.get("/")
            times.append((time.perf_counter() - begin) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"| {name} | {sections} | {queries} | {statistics.median(times):.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
