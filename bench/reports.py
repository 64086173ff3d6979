"""Benchmark: generation time and peak memory of the annual report and of a visit report.

Builds a throw-away database (SQLite file, or ``<name>_bench`` on the PostgreSQL server of
DATABASE_URL, dropped afterwards) with a synthetic year of N approved visits, then
generates each report in a forked child process and reports its wall time and peak
resident memory (the child's ``ru_maxrss``: Django, the data, the renderer, the file).

The year is built with ``bulk_create`` (institutions, visits, interviews, findings,
allegations, checklist responses and their compliance marks, recommendations): the audit
trail is not what is measured, and going through the services would take an hour for
10,000 visits. The checklists are the standard library's (``load_library``), so the
systemic problems carry real item labels.

    .venv/bin/python bench/reports.py --visits 500 [--out-dir /tmp/reports]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet .venv/bin/python bench/reports.py
"""

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=500)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--out-dir", type=Path, default=None, help="keep the generated files")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="kuzet-bench-")
    os.environ.setdefault("KUZET_DEBUG", "0")
    os.environ.setdefault(
        "KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"
    )
    os.environ.setdefault("KUZET_SSL_REDIRECT", "0")
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
    old = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    try:
        run(args.visits, args.year, args.out_dir, connection.vendor)
    finally:
        teardown_databases(old, verbosity=0)


def build_year(count: int, year: int) -> int:
    """A year of ``count`` approved visits; returns the pk of the richest visit."""
    from django.core.management import call_command

    from kuzet.core.audit import SYSTEM, acting_as
    from kuzet.core.policy import Role
    from kuzet.instruments.models import InstrumentVersion
    from kuzet.instruments.schema import questions
    from kuzet.people.models import User
    from kuzet.recommendations.models import Addressee, Recommendation
    from kuzet.registry.models import Institution, InstitutionType, Region
    from kuzet.visits.models import (
        THEMES,
        Allegation,
        CodedPerson,
        ComplianceMark,
        Finding,
        Interview,
        Response,
        TeamMember,
        Visit,
    )

    rng = random.Random(11)
    with acting_as(SYSTEM):
        call_command("load_library", verbosity=0)
    regions = list(Region.objects.all())
    types = list(InstitutionType.objects.select_related("department"))
    people = [
        User.objects.create(username=f"bench{i}", full_name=f"Участник {i}", role=Role.PARTICIPANT)
        for i in range(20)
    ]
    institutions = Institution.objects.bulk_create(
        Institution(
            name_ru=f"{t.short_name_ru} № {n}",
            name_kk=f"№ {n} {t.short_name_kk}",
            name_key=f"{t.short_name_ru} № {n}".casefold(),
            type=t,
            department=t.department,
            region=rng.choice(regions),
            capacity=rng.randint(20, 1500),
            population=rng.randint(10, 1500),
        )
        for n, t in enumerate(rng.choice(types) for _ in range(max(50, count // 2)))
    )
    checklists: dict[int, list[InstrumentVersion]] = {}
    for version in InstrumentVersion.objects.published().prefetch_related(
        "instrument__assignments"
    ):
        if version.document.get("kind") != "checklist":
            continue
        for assignment in version.instrument.assignments.all():
            checklists.setdefault(assignment.institution_type_id, []).append(version)
    compliance = {
        v.pk: [n.item["name"] for n in questions(v.document) if n.item["type"] == "compliance"]
        for vs in checklists.values()
        for v in vs
    }
    addressees = list(Addressee.objects.all())
    start = date(year, 1, 1)
    visits = Visit.objects.bulk_create(
        Visit(
            institution=i,
            region_id=i.region_id,
            kind=rng.choice(Visit.Kind.values),
            theme="Условия содержания",
            status=Visit.Status.APPROVED,
            planned_date=start + timedelta(days=rng.randint(0, 364)),
            objectives="Проверка условий содержания и гарантий первых часов задержания.",
        )
        for i in (rng.choice(institutions) for _ in range(count))
    )
    TeamMember.objects.bulk_create(
        TeamMember(visit=v, user=u, role=r)
        for v in visits
        for u, r in zip(rng.sample(people, 3), ["leader", "member", "expert"], strict=True)
    )
    persons = CodedPerson.objects.bulk_create(
        CodedPerson(visit=v, code=f"A-{n:02d}", full_name=f"Имя Фамилия {v.pk}-{n}", cell="12")
        for v in visits
        for n in range(rng.randint(2, 8))
    )
    now = time.time()
    from django.utils import timezone

    at = timezone.now()
    Interview.objects.bulk_create(
        Interview(
            visit_id=p.visit_id,
            person=p,
            kind="individual",
            consent_interview=True,
            consent_quote=rng.random() < 0.4,
            conducted_by=people[0],
            conducted_at=at,
        )
        for p in persons
    )
    titles = [
        "Камеры переполнены, на человека меньше 4 м²",
        "Нет журнала применения силы",
        "Медицинский осмотр при поступлении не проводится",
        "Прогулки реже одного часа в день",
        "Әйелдер камерасында терезе жоқ, желдету жұмыс істемейді",
        "Нет доступа к адвокату в первые часы",
    ]
    findings = Finding.objects.bulk_create(
        Finding(
            visit=v,
            theme=rng.choice(list(THEMES)[:6]),
            title=rng.choice(titles),
            description="В ходе обхода группа установила это нарушение и подтвердила его по журналам и беседам. "
            * 3,
            sources=["observation", "documents"],
            good_practice=(good := rng.random() < 0.15),
            severity="" if good else rng.choice(["low", "medium", "high", "critical"]),
            created_by=people[0],
        )
        for v in visits
        for _ in range(rng.randint(2, 9))
    )
    Allegation.objects.bulk_create(
        Allegation(
            visit_id=p.visit_id,
            person=p,
            kind=rng.choice(Allegation.Kind.values),
            circumstances="Обстоятельства, рассказанные человеком.",
            perpetrator=rng.choice(Allegation.Perpetrator.values),
            methods=[rng.choice(list(Allegation.METHODS))],
            created_by=people[0],
        )
        for p in persons
        if rng.random() < 0.1
    )
    responses = []
    for v in visits:
        for version in checklists.get(v.institution.type_id, [])[:1]:
            responses.append(Response(visit=v, version=version, started_by=people[0], answers={}))
    responses = Response.objects.bulk_create(responses)
    ComplianceMark.objects.bulk_create(
        ComplianceMark(
            response=r,
            path=name,
            question=name,
            section="s",
            value=rng.choices(
                ["compliant", "partly", "non_compliant", "not_checked"], [6, 2, 2, 1]
            )[0],
        )
        for r in responses
        for name in compliance[r.version_id]
    )
    Recommendation.objects.bulk_create(
        Recommendation(
            visit_id=f.visit_id,
            text_ru="Устранить нарушение в течение трёх месяцев и сообщить о принятых мерах.",
            text_kk="Бұзушылықты үш ай ішінде жойып, қабылданған шаралар туралы хабарлау."
            if rng.random() < 0.6
            else "",
            addressee=rng.choice(addressees),
            theme=f.theme,
            level=rng.choice(Recommendation.Level.values),
            priority=rng.choice(Recommendation.Priority.values),
            status=rng.choice(Recommendation.Status.values),
            created_by=people[0],
        )
        for f in findings
        if not f.good_practice and rng.random() < 0.7
    )
    del now
    richest = max(visits, key=lambda v: v.findings.count())
    return richest.pk


def measure(label: str, make: Any, out: Path | None) -> dict[str, Any]:
    """Run ``make()`` in a forked child: (seconds, peak RSS in MiB, bytes)."""
    from django.db import connections

    connections.close_all()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        started = time.perf_counter()
        content, extension = make()
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if out is not None:
            (out / f"{label}.{extension}").write_bytes(content)
        os.write(write, json.dumps({"s": seconds, "mib": peak, "bytes": len(content)}).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 4096):
        data += chunk
    os.waitpid(pid, 0)
    return {"label": label, **json.loads(data)}


def run(count: int, year: int, out: Path | None, vendor: str) -> None:
    from kuzet.reports.render import render
    from kuzet.reports.services import annual_spec, report_document, visit_spec
    from kuzet.visits.models import Visit

    started = time.perf_counter()
    richest = build_year(count, year)
    built = time.perf_counter() - started
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    # A worker keeps WeasyPrint and fontconfig loaded between jobs: load them once here,
    # and time the first PDF of a process apart (fonts are scanned then).
    cold = time.perf_counter()
    from kuzet.reports.render import render_pdf

    render_pdf(
        {"title": "-", "subtitle": "", "meta": [], "draft": False, "language": "ru", "blocks": []}
    )
    print(
        f"first PDF of a process (loading WeasyPrint, Pango, fonts): {time.perf_counter() - cold:.1f} s"
    )
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {vendor}; {count} approved visits in {year} (built in {built:.0f} s, bulk)")
    print(f"parent process before the reports: {baseline:.0f} MiB peak RSS")
    results = []
    for language in ("ru", "kk"):
        for fmt in ("pdf", "docx"):

            def annual(language: str = language, fmt: str = fmt) -> tuple[bytes, str]:
                spec = annual_spec(
                    actor=None, start=date(year, 1, 1), end=date(year, 12, 31), language=language
                )
                return render(report_document(spec), fmt), fmt

            results.append(measure(f"annual-{language}", annual, out))
            results[-1]["label"] += f" {fmt}"
    visit = Visit.objects.get(pk=richest)
    for language in ("ru", "kk"):
        for fmt in ("pdf", "docx"):

            def one(language: str = language, fmt: str = fmt) -> tuple[bytes, str]:
                spec = visit_spec(actor=None, visit=visit, language=language, edition="external")
                return render(report_document(spec), fmt), fmt

            results.append(measure(f"visit-{language}", one, out))
            results[-1]["label"] += f" {fmt}"
    print(f"visit report: visit {richest} ({visit.findings.count()} findings)")
    for r in results:
        print(
            f"  {r['label']:<16} {r['s']:6.1f} s   peak {r['mib']:5.0f} MiB   {r['bytes'] / 1024:7.0f} KiB"
        )


if __name__ == "__main__":
    main()
