"""Benchmark: the visit workspace and the recommendation list on the demo data ×10.

Builds a throw-away database (an SQLite file in a temporary directory, or, when
DATABASE_URL names a PostgreSQL database ``<name>``, a database ``test_<name>`` on the same
server, created here and dropped afterwards), migrates it, loads the instrument library and
the demo data set, then adds, through the services the pages use:

* ``--visits`` (10) visits in the demo region (Almaty), each with a full record: the ИВС
  checklist with every question answered (some items non-compliant), 10 interviews with
  coded people (three with their questionnaire filled), a finding per non-compliant item
  linked to it and to an interview, one good practice, 3 allegations, 5 photos (PNG, with
  their chain of custody) and 10 recommendations; three of the visits were submitted,
  commented on by the coordinator and returned, the others are being drafted;
* one visit with a single item of each kind, to compare query counts (N+1);
* more visits with ``--extra-recommendations`` (300) recommendations between them, some
  accepted or under way, some overdue, so that the recommendation list is a few hundred rows.

Then it opens each page through Django's test client (middleware, permission checks,
queries, templates) as the visits' team leader and as a secretariat member (users of the
bench's own: the demo users cannot sign in outside the demo configuration; the second factor
is marked verified as in kuzet/conftest.py): the SQL queries of one request, and the server
time, median and p95 over ``--loads`` requests spread over the visits. Prints Markdown, with
the machine and its load average (other work running inflates the times).

    .venv/bin/python bench/visit_workspace.py
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet_bench .venv/bin/python bench/visit_workspace.py
"""

import argparse
import io
import os
import platform
import random
import statistics
import struct
import sys
import time
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from throwaway import throwaway_database  # noqa: E402  (bench/, the script's own folder)

FACTS = (
    "В камере № {n} площадью 8 м² содержались шесть человек, спальных мест четыре, "
    "двое спали на полу; вентиляция не работала."
)
RECOMMENDATION = (
    "Начальнику учреждения обеспечить каждого содержащегося отдельным спальным местом "
    "и постельными принадлежностями в камере № {n} до конца квартала."
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10, help="visits with a full record")
    parser.add_argument("--extra-recommendations", type=int, default=300)
    parser.add_argument("--loads", type=int, default=30, help="timed requests per page")
    args = parser.parse_args()

    with throwaway_database():
        started = time.perf_counter()
        data = build(args.visits, args.extra_recommendations)
        data.build_seconds = time.perf_counter() - started
        rows = measure(data, args.loads)
        report(data, rows, args.loads)


# --- the data ------------------------------------------------------------------------------


@dataclass
class Data:
    leader: Any
    secretariat: Any
    full: list[Any] = field(default_factory=list)  # visits with a full record
    small: Any = None  # a visit with one item of each kind
    checklists: dict[int, Any] = field(default_factory=dict)  # visit pk → its ИВС response
    load: list[str] = field(default_factory=list)  # load averages around the measurement
    build_seconds: float = 0.0


def png_bytes(seed: int, size: int = 24) -> bytes:
    """A small real PNG (RGB noise), made without an imaging library."""
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + rng.randbytes(size * 3) for _ in range(size))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _candidates(question: dict[str, Any], document: dict[str, Any]) -> list[Any]:
    """Answers to try for a question, in order; ``None`` means "leave it unanswered"."""
    kind = question["type"]
    choices = [c["name"] for c in document["choice_lists"].get(question.get("choices", ""), [])]
    options: dict[str, list[Any]] = {
        "text": ["А-07", "Наблюдение"],
        "long_text": ["Группа осмотрела помещения и записала то, что увидела."],
        "integer": [2, 0, 1, None],
        "decimal": [12.5, 0.5, None],
        "date": ["2026-09-15"],
        "time": ["10:30"],
        "geopoint": [[43.25, 76.95]],
        "select_one": [*choices, None],
        "select_multiple": [*[[c] for c in choices], None],
    }
    return options.get(kind, [None])


def answers_for(document: dict[str, Any], non_compliant: int, instances: int = 3) -> dict:
    """Every question answered (repeats ``instances`` times), the first ``non_compliant``
    compliance items "non_compliant", then adjusted until the whole response validates."""
    from kuzet.instruments.schema import MEDIA_TYPES
    from kuzet.instruments.validation import validate_response

    by_name: dict[str, dict[str, Any]] = {}
    answers: dict[str, Any] = {}
    compliance = 0

    def first(question: dict[str, Any]) -> Any:
        nonlocal compliance
        by_name[question["name"]] = question
        if question["type"] == "compliance":
            compliance += 1
            if compliance <= non_compliant:
                return "non_compliant"
            return "partly" if compliance % 5 == 0 else "compliant"
        return _candidates(question, document)[0]

    for section in document["sections"]:
        for item in section["items"]:
            if item["kind"] == "repeat":
                answers[item["name"]] = [
                    {q["name"]: v for q in item["items"] if (v := first(q)) is not None}
                    for _ in range(instances)
                ]
            elif (value := first(item)) is not None:
                answers[item["name"]] = value
    tried: dict[str, int] = {}
    for _ in range(50):
        errors = validate_response(document, answers).errors
        if not errors:
            return answers
        for path in errors:
            target, name = answers, path
            if "[" in path:
                repeat, rest = path.split("[", 1)
                number, name = rest.split("].")
                target = answers[repeat][int(number) - 1]
            question = by_name[name]
            if question["type"] in MEDIA_TYPES:  # a required photo: its file name
                target[name] = "photo.jpg"
                continue
            tried[path] = tried.get(path, 0) + 1
            options = _candidates(question, document)
            if tried[path] < len(options):
                if options[tried[path]] is None:
                    target.pop(name, None)
                else:
                    target[name] = options[tried[path]]
    raise RuntimeError(f"{document['code']}: no valid answers found: {list(errors)[:5]}")


def build(visits: int, extra_recommendations: int) -> Data:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import override_settings
    from django.utils import timezone

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
    from kuzet.visits.models import THEMES, Finding, Interview, TeamMember, Visit
    from kuzet.visits.preparation import instruments_for
    from kuzet.visits.services.findings import allegation_record, finding_record
    from kuzet.visits.services.interviews import interview_record
    from kuzet.visits.services.lifecycle import (
        submission_problems,
        visit_times_set,
        visit_transition,
    )
    from kuzet.visits.services.media import media_add
    from kuzet.visits.services.planning import TeamPlace, visit_plan
    from kuzet.visits.services.responses import response_save, response_start
    from kuzet.visits.services.review import review_comment_add, review_comment_resolve

    call_command("load_library", stdout=io.StringIO())
    # The demo data set is loaded as `make run` does; DEMO only for this command, so that
    # the pages are measured with production settings (two-factor sign-in required).
    with override_settings(DEMO=True):
        call_command("load_demo_data", stdout=io.StringIO())

    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    coordinator, participant = users["demo-coordinator"], users["demo-participant"]
    # The demo users cannot sign in outside the demo configuration (kuzet.people.auth), so
    # the pages are opened as a team leader and a secretariat member of the bench's own.
    with acting_as(SYSTEM):
        leader = User.objects.create(
            username="bench-leader", role=Role.GROUP_LEADER, full_name="Руководитель группы"
        )
        GroupMembership.objects.create(
            group=RegionalGroup.objects.get(memberships__user=participant), user=leader
        )
        secretariat = User.objects.create(
            username="bench-secretariat", role=Role.SECRETARIAT, full_name="Секретариат НПМ"
        )
    team = [
        TeamPlace(leader, TeamMember.Role.LEADER),
        TeamPlace(participant, TeamMember.Role.MEMBER),
    ]
    places = list(
        Institution.objects.filter(is_demo=True, region__kato="750000000").select_related("type")
    )
    ivs = [i for i in places if i.type.code == "ivs"]
    addressees = list(Addressee.objects.filter(is_active=True))
    themes = [t for t in THEMES if t != "access"]
    today = timezone.localdate()
    rng = random.Random(2026)
    data = Data(leader=leader, secretariat=secretariat)

    def step(visit: Any, *statuses: str) -> Any:
        for status in statuses:
            visit = visit_transition(actor=leader, visit=visit, to_status=status)
            if status == "in_progress":
                # The team went in in the morning: the interviews fall within the stay.
                visit = visit_times_set(
                    actor=leader,
                    visit=visit,
                    started_at=timezone.now() - timedelta(hours=12),
                    ended_at=None,
                )
        return visit

    def record(visit: Any, n: int, questionnaires: int, media: int, allegations: int) -> None:
        """A visit's record: the ИВС checklist with ``n`` non-compliant items, ``n``
        interviews, a finding per non-compliant item, a good practice, recommendations."""
        versions = {v.instrument.code: v for v in instruments_for(visit.institution)}
        checklist = response_start(actor=leader, visit=visit, version=versions["ivs-full"])
        answers = answers_for(checklist.version.document, non_compliant=n)
        checklist = response_save(actor=leader, response=checklist, answers=answers, revision=0)
        data.checklists[visit.pk] = checklist
        interviews = []
        for k in range(n):
            staff = k % 5 == 4
            interviews.append(
                interview_record(
                    actor=participant if k % 2 else leader,
                    visit=visit,
                    kind=Interview.Kind.STAFF if staff else Interview.Kind.INDIVIDUAL,
                    conducted_at=timezone.now() - timedelta(minutes=30 * (n - k)),
                    person_code="" if staff else f"A-{k + 1:02d}",
                    identity={} if staff else {"full_name": f"Задержанный {k + 1}", "cell": "3"},
                    consent_interview=True,
                    consent_quote=k % 2 == 0,
                    consent_transmit=not staff and k % 3 == 0,
                    vulnerabilities=["first_detention"] if k % 4 == 0 else [],
                    reprisal_risk=Interview.Risk.LOW,
                    notes=f"Рассказал об условиях в камере № {k + 1}.",
                )
            )
        for interview in interviews[:questionnaires]:
            code = (
                "staff-interview"
                if interview.kind == Interview.Kind.STAFF
                else "detainee-interview"
            )
            response = response_start(
                actor=leader, visit=visit, version=versions[code], interview=interview
            )
            response_save(
                actor=leader,
                response=response,
                answers=answers_for(response.version.document, non_compliant=0),
                revision=0,
            )
        findings = []
        marks = checklist.marks.filter(value="non_compliant").select_related("response")
        for k, mark in enumerate(marks):
            findings.append(
                finding_record(
                    actor=leader,
                    visit=visit,
                    theme=themes[k % len(themes)],
                    title=f"Нарушение по пункту {mark.path}",
                    description=FACTS.format(n=k + 1),
                    sources=["observation", "detainees"],
                    severity=[Finding.Severity.HIGH, Finding.Severity.MEDIUM][k % 2],
                    interviews=[interviews[k % len(interviews)]],
                    items=[mark],
                )
            )
        finding_record(
            actor=leader,
            visit=visit,
            theme="health_care",
            title="Медицинский осмотр при поступлении",
            description=FACTS.format(n=0),
            sources=["documents"],
            good_practice=True,
        )
        people = [i.person for i in interviews if i.person is not None]
        for k in range(allegations):
            allegation_record(
                actor=leader,
                visit=visit,
                person=people[k % len(people)],
                kind="ill_treatment",
                circumstances="Со слов, при доставлении сотрудники нанесли несколько ударов.",
                perpetrator="police",
                methods=["beating", "threats"][: 1 + k % 2],
                occurred_on=today - timedelta(days=3 + k),
            )
        for k in range(media):
            upload = SimpleUploadedFile(
                f"IMG_{k:04d}.png", png_bytes(visit.pk * 100 + k), content_type="image/png"
            )
            media_add(
                actor=leader,
                visit=visit,
                upload=upload,
                finding=findings[k % len(findings)] if k % 3 == 0 else None,
                interview=interviews[k % len(interviews)] if k % 3 == 1 else None,
                description=f"Камера № {k + 1}",
                captured_at=timezone.now() - timedelta(hours=1),
                device="Pixel 7",
            )
        for k in range(n):
            recommendation_record(
                actor=leader,
                visit=visit,
                text_ru=RECOMMENDATION.format(n=k + 1),
                addressee=addressees[k % len(addressees)],
                theme=themes[k % len(themes)],
                priority=["high", "medium", "low"][k % 3],
                deadline=today + timedelta(days=90),
                findings=[findings[k % len(findings)]],
            )

    with acting_as(leader):
        for number in range(visits):
            with acting_as(coordinator):
                visit = visit_plan(
                    actor=coordinator,
                    institution=ivs[number % len(ivs)],
                    planned_date=today - timedelta(days=7 * (visits - number)),
                    team=team,
                    objectives="Условия содержания и гарантии первых часов задержания.",
                )
            visit = step(visit, "preparation", "in_progress")
            record(visit, n=10, questionnaires=3, media=5, allegations=3)
            visit = step(visit, "debriefed", "drafting")
            if number < 3:  # submitted, commented on and returned: comments on the tabs
                problems = submission_problems(visit)
                assert not problems, problems[:5]
                visit = step(visit, "under_review")
                with acting_as(coordinator):
                    for section in ("general", "responses", "findings", "recommendations"):
                        review_comment_add(
                            actor=coordinator,
                            visit=visit,
                            section=section,
                            text="Уточните, в каких камерах и сколько человек.",
                        )
                    visit = visit_transition(
                        actor=coordinator,
                        visit=visit,
                        to_status="returned",
                        comment="Уточнить описание нарушений.",
                    )
                comment = visit.review_comments.first()
                assert comment is not None
                review_comment_resolve(actor=leader, comment=comment)
            data.full.append(visit)

        with acting_as(coordinator):
            visit = visit_plan(
                actor=coordinator,
                institution=ivs[0],
                planned_date=today,
                team=team,
                objectives="Одна запись каждого вида.",
            )
        visit = step(visit, "preparation", "in_progress")
        record(visit, n=1, questionnaires=1, media=1, allegations=1)
        data.small = step(visit, "debriefed", "drafting")

        # Earlier visits with their recommendations, so that the list has a few hundred rows.
        per_visit = 15
        for number in range((extra_recommendations + per_visit - 1) // per_visit):
            with acting_as(coordinator):
                visit = visit_plan(
                    actor=coordinator,
                    institution=places[number % len(places)],
                    planned_date=today - timedelta(days=120 + 30 * number),
                    team=team,
                )
            visit = step(visit, "preparation", "in_progress", "debriefed", "drafting")
            recorded = [
                recommendation_record(
                    actor=leader,
                    visit=visit,
                    text_ru=RECOMMENDATION.format(n=k + 1),
                    addressee=rng.choice(addressees),
                    theme=rng.choice(themes),
                    priority=rng.choice(["high", "medium", "low"]),
                    deadline=visit.planned_date + timedelta(days=rng.choice([30, 90, 180, 365])),
                )
                for k in range(min(per_visit, extra_recommendations - number * per_visit))
            ]
            # Sent (the review is not what is measured): the recommendations are issued.
            Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
            with acting_as(secretariat):
                visit_send(actor=secretariat, visit=visit)
            for k, recommendation in enumerate(recorded):
                recommendation.refresh_from_db()
                with acting_as(secretariat):
                    if k % 3 == 0:
                        recommendation_assess(
                            actor=secretariat, recommendation=recommendation, status="accepted"
                        )
                    if k % 6 == 0:
                        recommendation_assess(
                            actor=secretariat, recommendation=recommendation, status="in_progress"
                        )
    assert Recommendation.objects.count() >= extra_recommendations
    return data


# --- measuring -----------------------------------------------------------------------------


@dataclass
class Row:
    page: str
    persona: str
    queries: list[int]  # one per visit (or one per list URL)
    small_queries: int | None
    timings: list[float]


def signed_in(user: Any) -> Any:
    """A test client signed in as ``user``, second factor verified (as kuzet/conftest.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    if user.needs_two_factor:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _count(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return len(captured)


def _timed(client: Any, urls: list[str], loads: int) -> list[float]:
    for url in urls[:2]:  # warm-up
        client.get(url)
    out = []
    for i in range(loads):
        t0 = time.perf_counter()
        response = client.get(urls[i % len(urls)])
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    return sorted(out)


def measure(data: Data, loads: int) -> list[Row]:
    from kuzet.recommendations.models import Addressee

    def tab(name: str) -> Any:
        return lambda v: f"/visits/{v.pk}/{name}"

    pages = [
        ("visit overview", tab("")),
        ("checklists", tab("responses/")),
        ("ИВС checklist form", lambda v: f"/visits/{v.pk}/responses/{data.checklists[v.pk].uuid}/"),
        ("interviews", tab("interviews/")),
        ("findings", tab("findings/")),
        ("allegations", tab("allegations/")),
        ("media", tab("media/")),
        ("recommendations (visit)", tab("recommendations/")),
        ("review", tab("review/")),
    ]
    addressee = Addressee.objects.filter(recommendations__isnull=False).first()
    assert addressee is not None
    lists = [
        ("recommendation list", ["/recommendations/"]),
        (
            "recommendation list, filtered",
            [
                "/recommendations/?status=accepted",
                f"/recommendations/?addressee={addressee.pk}",
                "/recommendations/?overdue=on",
                "/recommendations/?page=3",
            ],
        ),
    ]
    rows = []
    data.load.append(load_average())
    for persona, user in (("team leader", data.leader), ("secretariat", data.secretariat)):
        client = signed_in(user)
        for label, url in pages:
            urls = [url(v) for v in data.full]
            rows.append(
                Row(
                    label,
                    persona,
                    [_count(client, u) for u in urls],
                    _count(client, url(data.small)),
                    _timed(client, urls, loads),
                )
            )
        for label, urls in lists:
            rows.append(
                Row(
                    label,
                    persona,
                    [_count(client, u) for u in urls],
                    None,
                    _timed(client, urls, loads),
                )
            )
    data.load.append(load_average())
    return rows


# --- the report ----------------------------------------------------------------------------


def machine(load: str) -> str:
    import django
    from django.db import connection

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    if connection.vendor == "sqlite":
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version} (file)"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]} ({connection.settings_dict['HOST']})"
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs; Python {platform.python_version()}, "
        f"Django {django.get_version()}; {database}; 1-minute load average before and after "
        f"measuring: {load}"
    )


def load_average() -> str:
    """The 1-minute load average: other work on the machine inflates the times."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def sizes(data: Data) -> list[str]:
    from kuzet.core.models import AuditEvent
    from kuzet.recommendations.models import Recommendation
    from kuzet.visits.models import (
        Allegation,
        ComplianceMark,
        CustodyEvent,
        Finding,
        Interview,
        MediaEvidence,
        Response,
        Visit,
    )

    visit = data.full[0]
    checklist = data.checklists[visit.pk]
    open_elsewhere = (
        Recommendation.objects.filter(visit__institution=visit.institution_id)
        .exclude(visit=visit)
        .exclude(status__in=["implemented", "rejected", "no_longer_relevant"])
        .count()
    )
    per_visit = ", ".join(
        f"{n} {label}"
        for label, n in [
            ("responses (the ИВС checklist and questionnaires)", visit.responses.count()),
            ("interviews", visit.interviews.count()),
            ("findings", visit.findings.count()),
            ("allegations", visit.allegations.count()),
            ("media items", visit.media.count()),
            ("recommendations", visit.recommendations.count()),
        ]
    )
    return [
        f"- {len(data.full)} visits with a full record, each: {per_visit}; the ИВС checklist "
        f"{checklist.answered_count} answers, {checklist.marks.count()} compliance items of "
        f"which {checklist.marks.filter(value='non_compliant').count()} non-compliant; "
        f"3 of them returned with review comments, the others being drafted",
        "- one visit with a single item of each kind (the “1-item visit” column)",
        f"- whole database: {Visit.objects.count()} visits, {Response.objects.count()} responses, "
        f"{ComplianceMark.objects.count()} compliance items, {Interview.objects.count()} interviews, "
        f"{Finding.objects.count()} findings, {Allegation.objects.count()} allegations, "
        f"{MediaEvidence.objects.count()} media items ({CustodyEvent.objects.count()} custody "
        f"events), {Recommendation.objects.count()} recommendations, "
        f"{AuditEvent.objects.count()} audit events",
        f"- the overview of a measured visit lists {open_elsewhere} open recommendations from "
        "other visits to its institution",
        f"- built in {data.build_seconds:.0f} s",
    ]


def report(data: Data, rows: list[Row], loads: int) -> None:
    print(f"## Visit workspace and recommendation list, demo data ×{len(data.full)}\n")
    print(f"Machine: {machine(' → '.join(data.load))}\n")
    print("Data:")
    print("\n".join(sizes(data)))
    print()
    print(
        f"Queries: SQL queries of one request (over the {len(data.full)} visits, or over the "
        "filters of the list); the 1-item visit's count is the same when a page has no N+1. "
        f"Time: server time through the test client over {loads} requests spread over the "
        "same visits or filters.\n"
    )
    print("| page | as | queries | 1-item visit | median ms | p95 ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for row in rows:
        low, high = min(row.queries), max(row.queries)
        queries = str(low) if low == high else f"{low}–{high}"
        small = "—" if row.small_queries is None else str(row.small_queries)
        p95 = statistics.quantiles(row.timings, n=20)[-1]
        print(
            f"| {row.page} | {row.persona} | {queries} | {small} | "
            f"{statistics.median(row.timings):.1f} | {p95:.1f} |"
        )


if __name__ == "__main__":
    main()
