"""Benchmark: SQL statements of one write (a draft save, a counted answer, an interview, a
recommendation), in total and on the dashboard's tables, and the time of the catch-up.

Builds a throw-away database (an SQLite file in a temporary directory, or, when
DATABASE_URL names a PostgreSQL database ``<name>``, a database ``test_<name>`` on the same
server, created here and dropped afterwards), migrates it, loads the instrument library and
the demo data set, plans a visit in the demo region (Almaty) and starts its ИВС checklist
with every question answered, through the services the pages use. Then it counts the
statements of each write (Django's ``CaptureQueriesContext``), those naming a ``dashboard_``
table apart:

* a draft save of the checklist that changes a text answer only (what an autosave sends
  most of the time: nothing counted changes);
* a save that turns one compliance answer to "non_compliant" (a counted answer);
* an interview recorded; a recommendation recorded (a draft) and one assessed (after the
  report is sent, which issues it: ``visit_send``, not counted).

Then, where the dashboard catches up from marks (``kuzet.dashboard.facts.facts_catch_up``),
the statements of one catch-up after those writes and of one with nothing to do. Prints
Markdown.

    .venv/bin/python bench/write_statements.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet_bench .venv/bin/python bench/write_statements.py
"""

import argparse
import copy
import io
import platform
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402  (bench/, the script's own folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each write")
    args = parser.parse_args()

    with throwaway_database() as vendor:
        run(args.repeat, vendor)


def counted(action: Callable[[], Any]) -> tuple[int, int, float]:
    """Statements of ``action`` in total and naming a dashboard table, and its time (ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        action()
        elapsed = (time.perf_counter() - started) * 1000
    dashboard = sum(1 for q in queries.captured_queries if "dashboard_" in q["sql"])
    return len(queries.captured_queries), dashboard, elapsed


def run(repeat: int, vendor: str) -> None:
    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone
    from visit_workspace import answers_for

    from kuzet.core.audit import SYSTEM, acting_as
    from kuzet.core.policy import Role
    from kuzet.people.models import GroupMembership, RegionalGroup, User
    from kuzet.recommendations.models import Addressee, Recommendation
    from kuzet.recommendations.services import (
        recommendation_assess,
        recommendation_record,
        visit_send,
    )
    from kuzet.registry.models import Institution
    from kuzet.visits.models import Interview, TeamMember, Visit
    from kuzet.visits.preparation import instruments_for
    from kuzet.visits.services.interviews import interview_record
    from kuzet.visits.services.lifecycle import visit_times_set, visit_transition
    from kuzet.visits.services.planning import TeamPlace, visit_plan
    from kuzet.visits.services.responses import response_save, response_start

    try:
        from kuzet.dashboard.facts import facts_catch_up  # type: ignore[attr-defined]
    except ImportError:  # the code before the dashboard caught up from marks
        facts_catch_up = None

    call_command("load_library", stdout=io.StringIO())
    with override_settings(DEMO=True):
        call_command("load_demo_data", stdout=io.StringIO())
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    coordinator, participant = users["demo-coordinator"], users["demo-participant"]
    secretariat = users["demo-secretariat"]
    with acting_as(SYSTEM):
        leader = User.objects.create(username="bench-leader", role=Role.GROUP_LEADER)
        GroupMembership.objects.create(
            group=RegionalGroup.objects.get(memberships__user=participant), user=leader
        )
    team = [
        TeamPlace(leader, TeamMember.Role.LEADER),
        TeamPlace(participant, TeamMember.Role.MEMBER),
    ]
    ivs = Institution.objects.filter(
        is_demo=True, region__kato="750000000", type__code="ivs"
    ).first()
    assert ivs is not None
    addressee = Addressee.objects.filter(is_active=True).first()
    today = timezone.localdate()

    rows: list[tuple[str, list[tuple[int, int, float]]]] = []
    with acting_as(leader):
        with acting_as(coordinator):
            visit = visit_plan(
                actor=coordinator,
                institution=ivs,
                planned_date=today - timedelta(days=1),
                team=team,
                objectives="Условия содержания.",
            )
        for status in ("preparation", "in_progress"):
            visit = visit_transition(actor=leader, visit=visit, to_status=status)
        # The team went in two hours ago: the interviews below fall within the stay.
        visit = visit_times_set(
            actor=leader, visit=visit, started_at=timezone.now() - timedelta(hours=2), ended_at=None
        )
        versions = {v.instrument.code: v for v in instruments_for(visit.institution)}
        checklist = response_start(actor=leader, visit=visit, version=versions["ivs-full"])
        document = checklist.version.document
        answers = answers_for(document, non_compliant=3)
        checklist = response_save(actor=leader, response=checklist, answers=answers, revision=0)
        text_name = next(
            item["name"]
            for section in document["sections"]
            for item in section["items"]
            if item.get("type") in ("text", "long_text") and item["name"] in answers
        )
        compliance = [
            item["name"]
            for section in document["sections"]
            for item in section["items"]
            if item.get("type") == "compliance" and item["name"] in answers
        ]
        if facts_catch_up is not None:
            facts_catch_up()

        draft: list[tuple[int, int, float]] = []
        marked: list[tuple[int, int, float]] = []
        for k in range(repeat):
            answers = copy.deepcopy(checklist.answers)
            answers[text_name] = f"Наблюдение {k}"
            draft.append(
                counted(
                    lambda a=answers: response_save(
                        actor=leader, response=checklist, answers=a, revision=checklist.revision
                    )
                )
            )
            checklist.refresh_from_db()
            answers = copy.deepcopy(checklist.answers)
            name = compliance[10 + k]
            answers[name] = "compliant" if answers[name] == "non_compliant" else "non_compliant"
            marked.append(
                counted(
                    lambda a=answers: response_save(
                        actor=leader, response=checklist, answers=a, revision=checklist.revision
                    )
                )
            )
            checklist.refresh_from_db()
        rows.append(("draft save, no counted answer changed (`response_save`)", draft))
        rows.append(("save changing one compliance answer (`response_save`)", marked))

        interviews = [
            counted(
                lambda k=k: interview_record(
                    actor=leader,
                    visit=visit,
                    kind=Interview.Kind.INDIVIDUAL,
                    conducted_at=timezone.now() - timedelta(minutes=30 + k),
                    person_code=f"B-{k:02d}",
                    identity={"full_name": f"Задержанный {k}"},
                    consent_interview=True,
                    reprisal_risk=Interview.Risk.LOW,
                    notes="Рассказал об условиях.",
                )
            )
            for k in range(repeat)
        ]
        rows.append(("interview recorded (`interview_record`)", interviews))
        issued: list[Any] = []
        issues = [
            counted(
                lambda k=k: issued.append(
                    recommendation_record(
                        actor=leader,
                        visit=visit,
                        text_ru=f"Обеспечить спальными местами, камера № {k}.",
                        addressee=addressee,
                        theme="material_conditions",
                        deadline=today + timedelta(days=90),
                    )
                )
            )
            for k in range(repeat)
        ]
        rows.append(("recommendation recorded, a draft (`recommendation_record`)", issues))
    # Sent (the steps between are not measured here): its recommendations are issued.
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    with acting_as(secretariat):
        visit_send(actor=secretariat, visit=visit)
    issued = [Recommendation.objects.get(pk=r.pk) for r in issued]
    with acting_as(coordinator):
        assessed = [
            counted(
                lambda r=r: recommendation_assess(
                    actor=coordinator, recommendation=r, status="accepted"
                )
            )
            for r in issued
        ]
    rows.append(("recommendation assessed (`recommendation_assess`)", assessed))
    if facts_catch_up is not None:
        rows.append(
            ("catch-up after the writes above (`facts_catch_up`)", [counted(facts_catch_up)])
        )
        rows.append(
            ("catch-up with nothing to do", [counted(facts_catch_up) for _ in range(repeat)])
        )

    print(f"## SQL statements per write ({vendor}, {platform.python_version()}, "
          f"{'marks' if facts_catch_up else 'refresh in the write'})\n")  # fmt: skip
    print("| write | statements | on dashboard tables | median ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, runs in rows:
        totals = sorted({r[0] for r in runs})
        dashboards = sorted({r[1] for r in runs})
        times = sorted(r[2] for r in runs)
        span = lambda values: "–".join(str(v) for v in (values[0], values[-1])[: len(set(values))])  # noqa: E731
        print(f"| {name} | {span(totals)} | {span(dashboards)} | {times[len(times) // 2]:.1f} |")


if __name__ == "__main__":
    main()
