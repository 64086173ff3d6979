"""Benchmark: the annual report at scale (issue 16), each step in its own process.

Builds a throw-away database (an SQLite file, or ``<name>_bench`` on the PostgreSQL server
of DATABASE_URL) holding three years of approved visits with what the annual report reads:

- the year (``--visits``, default 10,000 approved visits), the year before (as many) and
  the one before that (half as many; the "last year" of the implementation tables);
- per visit 2–6 findings of every theme with severities, texts made of the demo's sentence
  patterns and the visit's facts (rooms, dates, registers: no two alike): Russian only,
  Russian and Kazakh, or Kazakh only (written first in Kazakh); good practices; obstacles
  to access; coded people, interviews (some findings rest on them), allegations;
- one recommendation on three problems in four, in Russian (and Kazakh for most), to the
  institution's administration, its department, an akimat or the government by level,
  priority by the finding's severity, and their history of answers over the following
  months (issued → accepted/rejected → implemented / partly / being implemented / not),
  dated, so that the state at the end of each year differs;
- the year's checklist (the standard library's) with compliance marks on every visit.

It is built with ``bulk_create`` (no audit trail, no services: going through them would
take hours for 25,000 visits): 13 min for 10,000 visits on PostgreSQL on 2 cores shared
with other jobs (load average 10–13), then ``ANALYZE`` (a live database has statistics).

Then each step runs in a fresh process (``python bench/reports.py --step NAME``), timed
(wall time, and the process's CPU time: on a shared machine the wall time mostly tells
the load), with its SQL queries counted and its peak RSS read from ``getrusage`` (the process's
Django, the data, the renderer, the file):

    data-ru, data-kk       the draft's data (``annual_report_data``: what the workspace,
                           the translation queue and the unpublished report read)
    queue-kk               the translation queue of the Kazakh edition
    publish                approving every section and publishing: the data in both
                           languages frozen with its SHA-256 (``edition_publish``)
    pdf-ru, pdf-kk,        the published edition's files, from its frozen content, as
    docx-ru, docx-kk       the worker builds them (WeasyPrint loaded beforehand, as in a
                           worker that has made a PDF already)
    annex-ru               the full list of the year's recommendations (XLSX)
    visitpdf-ru,           the external report of the year's visit with the most
    visitdocx-ru           findings

Each line also gives the machine's load average (1 min) when the step ended: the machine
may be shared.

    .venv/bin/python bench/reports.py --visits 10000 --out-dir /tmp/reports
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kuzet .venv/bin/python bench/reports.py
    ... --keep        keep the bench database (then --reuse runs the steps on it again)
    ... --steps pdf-ru,docx-kk
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
STEPS = (
    "data-ru",
    "data-kk",
    "queue-kk",
    "publish",
    "pdf-ru",
    "pdf-kk",
    "docx-ru",
    "docx-kk",
    "annex-ru",
    "visitpdf-ru",
    "visitdocx-ru",
)
SECRETARY = "bench-secretariat"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10_000, help="approved visits in the year")
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--out-dir", type=Path, default=None, help="keep the generated files")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", action="store_true", help="use the kept bench database")
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--step", help=argparse.SUPPRESS)  # in a child process
    args = parser.parse_args()
    if args.step:
        step(args.step, args.year, args.visits, args.out_dir)
        return

    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    if postgres:
        parts = urlsplit(url)
        name = parts.path.lstrip("/") + "_bench"
        bench_url = urlunsplit(parts._replace(path=f"/{name}"))
        server = urlunsplit(parts._replace(path="/postgres"))
    else:
        name = str(Path(tempfile.gettempdir()) / "kuzet-bench-reports.sqlite3")
        bench_url = f"sqlite:///{name}"
    var = Path(tempfile.mkdtemp(prefix="kuzet-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "KUZET_VAR_DIR": str(var),
        "KUZET_DEBUG": "0",
        "KUZET_SSL_REDIRECT": "0",
        "KUZET_SECRET_KEY": os.environ.get(
            "KUZET_SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdef"
        ),
    }
    if not args.reuse:
        if postgres:
            _postgres(server, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        else:
            Path(name).unlink(missing_ok=True)
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
    vendor = "PostgreSQL" if postgres else "SQLite"
    print(f"database: {vendor} ({name}); machine: {os.cpu_count()} cores")
    try:
        if not args.reuse:
            built = child("build", args, env)
            print(
                f"built: {args.visits} approved visits in {args.year} (+ {args.year - 1}, "
                f"{args.year - 2}) in {built['s']:.0f} s; {built['extra']}"
            )
        print(
            f"{'step':<12} {'time':>7} {'CPU':>7} {'peak RSS':>9} {'queries':>8} {'size':>9}"
            "  load  notes"
        )
        for name_ in args.steps.split(","):
            r = child(name_, args, env)
            print(
                f"{name_:<12} {r['s']:6.1f}s {r['cpu']:6.1f}s {r['mib']:6.0f} MiB "
                f"{r['queries']:8} "
                f"{r['bytes'] / 1024:6.0f} KiB  {r['load']:4.2f}  {r['extra']}",
                flush=True,
            )
    finally:
        if not args.keep:
            if postgres:
                _postgres(server, f'DROP DATABASE IF EXISTS "{name}"')
            else:
                Path(name).unlink(missing_ok=True)


def _postgres(server: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)  # type: ignore[arg-type]


def child(name: str, args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--step", name, "--year", str(args.year)]
    command += ["--visits", str(args.visits)]
    if args.out_dir is not None:
        command += ["--out-dir", str(args.out_dir)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"step {name} failed")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def step(name: str, year: int, visits: int, out: Path | None) -> None:
    """One step, in this (fresh) process; prints a line of JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuzet.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if name == "build":
        started = time.perf_counter()
        extra = build(visits, year)
        result = {"s": time.perf_counter() - started, "extra": extra}
        print(json.dumps(result))
        return
    if name.startswith(("pdf", "visitpdf")):
        # A worker has WeasyPrint, Pango and the fonts loaded after its first PDF.
        from kuzet.reports.render import render_pdf

        render_pdf(
            {
                "title": "-",
                "subtitle": "",
                "meta": [],
                "draft": False,
                "language": "ru",
                "blocks": [],
            }
        )
    before = resource.getrusage(resource.RUSAGE_SELF)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        content, extension, extra = STEP[name.split("-")[0]](year, name.partition("-")[2])
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    peak = usage.ru_maxrss / 1024
    if out is not None and content:
        (out / f"annual-{year}-{name}.{extension}").write_bytes(content)
    print(
        json.dumps(
            {
                "s": seconds,
                "cpu": cpu,
                "mib": peak,
                "queries": len(queries.captured_queries),
                "bytes": len(content),
                "load": os.getloadavg()[0],
                "extra": extra,
            }
        )
    )


def _data(year: int, language: str) -> tuple[bytes, str, str]:
    from kuzet.reports.services import annual_spec, report_data

    spec = annual_spec(
        actor=None, start=date(year, 1, 1), end=date(year, 12, 31), language=language
    )
    data = report_data(spec)
    content = json.dumps(data, ensure_ascii=False).encode()
    return content, "json", f"{len(data['untranslated'])} passages untranslated"


def _queue(year: int, language: str) -> tuple[bytes, str, str]:
    from django.utils import translation

    from kuzet.reports.translation import progress, translation_queue

    with translation.override(language):
        passages = translation_queue(year, language)
    done = progress(passages)
    return b"", "", f"{len(passages)} passages, {done}"


def _publish(year: int, _language: str) -> tuple[bytes, str, str]:
    from kuzet.core.audit import acting_as
    from kuzet.people.models import User
    from kuzet.reports.editorial import annual_edition_open, edition_publish
    from kuzet.reports.models import AnnualEdition, AnnualSection

    actor = User.objects.get(username=SECRETARY)
    with acting_as(actor):
        edition = annual_edition_open(actor=actor, year=year)
        # The editors' narrative: a few paragraphs in both languages in each section.
        AnnualSection.objects.filter(edition=edition).update(
            status=AnnualSection.Status.APPROVED, text_ru=NARRATIVE_RU, text_kk=NARRATIVE_KK
        )
        AnnualEdition.objects.filter(pk=edition.pk).update(status=AnnualEdition.Status.APPROVED)
        edition.refresh_from_db()
        edition = edition_publish(actor=actor, edition=edition, marked=True)
    content = json.dumps(edition.content, ensure_ascii=False).encode()
    return content, "json", f"edition {edition.number}, sha256 {edition.content_sha256[:12]}…"


def _file(fmt: str) -> Any:
    def make(year: int, language: str) -> tuple[bytes, str, str]:
        from kuzet.reports.models import AnnualEdition, GeneratedReport
        from kuzet.reports.render import render
        from kuzet.reports.services import ReportSpec, report_document

        edition = (
            AnnualEdition.objects.filter(year=year, status=AnnualEdition.Status.PUBLISHED)
            .order_by("-number")
            .first()
        )
        assert edition is not None, "run the publish step first"
        spec = ReportSpec(
            kind=GeneratedReport.Kind.ANNUAL,
            language=language,
            edition="external",
            start=date(year, 1, 1),
            end=date(year, 12, 31),
            marked=edition.untranslated_marked,
            edition_id=edition.pk,
        )
        data = edition.content[language]
        content = render(report_document(spec, data), fmt, "03.12.2026 12:00")
        extra = ""
        if fmt == "pdf":
            import io

            from pypdf import PdfReader

            extra = f"{len(PdfReader(io.BytesIO(content)).pages)} pages"
        return content, fmt, extra

    return make


def _annex(year: int, language: str) -> tuple[bytes, str, str]:
    from django.utils import translation

    from kuzet.reports.annual_annex import recommendations_annex

    with translation.override(language):
        content, count = recommendations_annex(year=year, language=language)
    return content, "xlsx", f"{count} recommendations"


def _visit(fmt: str) -> Any:
    def make(year: int, language: str) -> tuple[bytes, str, str]:
        from django.db.models import Count

        from kuzet.reports.render import render
        from kuzet.reports.services import report_document, visit_spec
        from kuzet.visits.models import Visit

        visit = (
            Visit.objects.filter(planned_date__year=year, status=Visit.Status.SENT)
            .annotate(n=Count("findings"))
            .order_by("-n", "pk")
            .first()
        )
        assert visit is not None
        spec = visit_spec(actor=None, visit=visit, language=language, edition="external")
        content = render(report_document(spec), fmt, "03.12.2026 12:00")
        return content, fmt, f"visit {visit.pk}, {visit.n} findings"  # type: ignore[attr-defined]

    return make


STEP = {
    "data": _data,
    "queue": _queue,
    "publish": _publish,
    "pdf": _file("pdf"),
    "docx": _file("docx"),
    "annex": _annex,
    "visitpdf": _visit("pdf"),
    "visitdocx": _visit("docx"),
}

NARRATIVE_RU = (
    "В отчётном году группы НПМ уделяли особое внимание гарантиям первых часов задержания "
    "и медицинскому освидетельствованию при поступлении.\n\n"
    "Основные выводы:\n\n- переполненность сохраняется в следственных изоляторах;\n"
    "- журналы применения специальных средств ведутся не везде;\n"
    "- доступ к адвокату в первые часы обеспечен не во всех ИВС.\n\n"
    "Национальный превентивный механизм рекомендует ведомствам рассмотреть **системные** "
    "меры, а не только устранение нарушений в отдельных учреждениях."
)
NARRATIVE_KK = (
    "Есептік жылы ҰАТМ топтары ұстаудың алғашқы сағаттарындағы кепілдіктерге және қабылдау "
    "кезіндегі медициналық куәландыруға ерекше назар аударды.\n\n"
    "Негізгі қорытындылар:\n\n- тергеу изоляторларында адамдардың шектен тыс көптігі сақталуда;\n"
    "- арнайы құралдарды қолдану журналдары барлық жерде жүргізілмейді;\n"
    "- алғашқы сағаттарда адвокатқа қол жеткізу барлық УҰО-да қамтамасыз етілмеген.\n\n"
    "Ұлттық алдын алу тетігі ведомстволарға жекелеген мекемелердегі бұзушылықтарды жоюмен "
    "қатар **жүйелі** шараларды қарауды ұсынады."
)


# --- The bench data ---------------------------------------------------------------------


@contextmanager
def stamped_as_given(*models: Any) -> Any:
    """Let ``bulk_create`` keep the dates given (``auto_now_add`` fields would say today)."""
    fields = [f for m in models for f in m._meta.concrete_fields if getattr(f, "auto_now_add", 0)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def build(count: int, year: int) -> str:
    """Three years of approved visits (``count``, ``count``, ``count // 2``)."""
    from django.core.management import call_command
    from django.db import transaction

    from kuzet.core.audit import SYSTEM, acting_as
    from kuzet.recommendations.models import Recommendation, StatusChange
    from kuzet.visits.models import Finding

    call_command("migrate", verbosity=0)
    with acting_as(SYSTEM):
        call_command("load_library", verbosity=0)
    rng = random.Random(16)
    world = _World(rng, count)
    totals: dict[str, int] = {}
    with (
        stamped_as_given(Finding, Recommendation, StatusChange),
        transaction.atomic(),
    ):
        for y, n, checklists in ((year - 2, count // 2, False), (year - 1, count, False)):
            _add(totals, world.year(y, n, checklists=checklists, today=date(year, 12, 31)))
        _add(totals, world.year(year, count, checklists=True, today=date(year, 12, 31)))
    # The statistics a live database has (autovacuum): without them the planner guesses.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ", ".join(f"{n} {what}" for what, n in totals.items())


def _add(totals: dict[str, int], more: dict[str, int]) -> None:
    for key, n in more.items():
        totals[key] = totals.get(key, 0) + n


class _World:
    """The inventory, the people and the addressees the years are made in."""

    def __init__(self, rng: random.Random, count: int) -> None:
        from kuzet.core.policy import Role
        from kuzet.instruments.models import InstrumentVersion
        from kuzet.instruments.schema import questions
        from kuzet.people.models import User
        from kuzet.recommendations.models import Addressee
        from kuzet.registry.models import Institution, InstitutionType, Region

        self.rng = rng
        regions = list(Region.objects.all())
        types = list(InstitutionType.objects.select_related("department"))
        self.people = User.objects.bulk_create(
            User(username=f"bench{i}", full_name=f"Участник {i}", role=Role.PARTICIPANT)
            for i in range(30)
        )
        User.objects.create(username=SECRETARY, full_name="Секретариат", role=Role.SECRETARIAT)
        # Fewer places than visits (each visited about twice a year), and some (remote,
        # small) never visited: the annex lists them.
        self.institutions = Institution.objects.bulk_create(
            Institution(
                name_ru=f"{t.short_name_ru or t.name_ru} № {n}",
                name_kk=f"№ {n} {t.short_name_kk or t.name_kk}",
                name_key=f"{t.short_name_ru or t.name_ru} № {n}".casefold(),
                type=t,
                department=t.department,
                region=rng.choice(regions),
                capacity=rng.randint(20, 1500),
                population=rng.randint(10, 1500),
            )
            for n, t in enumerate((rng.choice(types) for _ in range(max(60, count // 2))), 1)
        )
        self.visitable = [i for i in self.institutions if rng.random() < 0.93]
        self.checklists: dict[int, list[Any]] = {}
        for version in InstrumentVersion.objects.published().prefetch_related(
            "instrument__assignments"
        ):
            if version.document.get("kind") != "checklist":
                continue
            for assignment in version.instrument.assignments.all():
                self.checklists.setdefault(assignment.institution_type_id, []).append(version)
        self.items = {
            v.pk: [n.item["name"] for n in questions(v.document) if n.item["type"] == "compliance"]
            for vs in self.checklists.values()
            for v in vs
        }
        self.addressees = {a.code: a for a in Addressee.objects.all()}
        self.type_codes = {t.pk: t.code for t in types}
        self.department_codes = {t.pk: t.department.code if t.department else "" for t in types}

    def addressee(self, level: str, institution: Any, theme: str) -> Any:
        from kuzet.recommendations.demo import DEPARTMENT_ADDRESSEES

        code = "institution-administration"
        if level == "legislation":
            code = "government"
        elif level == "department":
            if theme == "material_conditions" and self.type_codes[institution.type_id] in (
                "childrens-home",
                "medical-social",
            ):
                code = f"akimat-{institution.region.kato}"
            else:
                code = DEPARTMENT_ADDRESSEES.get(
                    self.department_codes[institution.type_id], "government"
                )
        return self.addressees.get(code) or self.addressees["government"]

    def year(self, year: int, count: int, *, checklists: bool, today: date) -> dict[str, int]:
        """``count`` approved visits in ``year`` (and a few not yet approved), with what was
        recorded on them and the follow-up of their recommendations up to ``today``."""
        from django.utils import timezone

        from kuzet.recommendations.demo import FOLLOW_UP_EVIDENCE, TEXTS
        from kuzet.recommendations.models import Recommendation, StatusChange
        from kuzet.visits.demo_texts import (
            SOURCES_BY_THEME,
            facts_for,
            finding_text,
            good_practice_text,
        )
        from kuzet.visits.models import (
            Allegation,
            CodedPerson,
            ComplianceMark,
            Finding,
            Interview,
            Response,
            TeamMember,
            Visit,
        )

        rng, V = self.rng, Visit.Status
        R = Recommendation.Status

        def at(day: date, hour: int) -> datetime:
            return timezone.make_aware(datetime.combine(day, dtime(hour)))

        start = date(year, 1, 1)
        visits = []
        for n in range(count + count // 50):
            institution = rng.choice(self.visitable)
            day = start + timedelta(days=rng.randint(0, 364))
            pending = n >= count  # recorded but not yet approved: counted, not analysed
            entered = day + timedelta(days=rng.choice([0, 0, 0, 0, 1, 2]))
            visits.append(
                Visit(
                    institution=institution,
                    region_id=institution.region_id,
                    kind=rng.choices(Visit.Kind.values, [6, 2, 1, 1])[0],
                    announced=rng.random() < 0.2,
                    theme="Условия содержания и гарантии",
                    status=rng.choice([V.DRAFTING, V.UNDER_REVIEW])
                    if pending
                    else V.APPROVED
                    if day > today - timedelta(days=30)
                    else rng.choice([V.SENT, V.SENT, V.CLOSED]),
                    planned_date=day,
                    started_at=at(entered, 10),
                    ended_at=at(entered, 17),
                    objectives="Проверка условий содержания и гарантий первых часов задержания.",
                )
            )
        visits = Visit.objects.bulk_create(visits, batch_size=2000)
        TeamMember.objects.bulk_create(
            (
                TeamMember(visit=v, user=u, role=r)
                for v in visits
                for u, r in zip(
                    rng.sample(self.people, 3), ["leader", "member", "expert"], strict=True
                )
            ),
            batch_size=5000,
        )
        persons = CodedPerson.objects.bulk_create(
            (
                CodedPerson(
                    visit=v, code=f"A-{n:02d}", full_name=f"Имя Фамилия {v.pk}-{n}", cell="12"
                )
                for v in visits
                for n in range(rng.randint(2, 6))
            ),
            batch_size=5000,
        )
        interviews = Interview.objects.bulk_create(
            (
                Interview(
                    visit_id=p.visit_id,
                    person=p,
                    kind="individual",
                    consent_interview=True,
                    consent_quote=rng.random() < 0.4,
                    conducted_by=self.people[0],
                    conducted_at=timezone.now(),
                )
                for p in persons
            ),
            batch_size=5000,
        )
        heard_by_visit: dict[int, list[Any]] = {}
        for i in interviews:
            heard_by_visit.setdefault(i.visit_id, []).append(i)
        Allegation.objects.bulk_create(
            (
                Allegation(
                    visit_id=p.visit_id,
                    person=p,
                    kind=rng.choices(Allegation.Kind.values, [5, 1])[0],
                    circumstances="Обстоятельства, рассказанные человеком.",
                    perpetrator=rng.choice(Allegation.Perpetrator.values),
                    methods=[rng.choice(list(Allegation.METHODS))],
                    created_by=self.people[0],
                )
                for p in persons
                if rng.random() < 0.06
            ),
            batch_size=5000,
        )
        themes = ["material_conditions", "safeguards", "health_care", "regime", "personnel"]
        themes += ["treatment", "access", "other"]
        weights = [30, 22, 18, 12, 8, 6, 3, 1]
        findings, links, facts_of = [], [], {}
        for v in visits:
            place = v.institution
            facts = facts_of[v.pk] = facts_for(
                rng,
                self.type_codes[place.type_id],
                v.planned_date,
                place.capacity,
                place.population,
            )
            for theme in sorted(
                {rng.choices(themes, weights)[0] for _ in range(rng.randint(2, 6))}
            ):
                language = rng.choices(["ru", "both", "kk"], [55, 30, 15])[0]
                title, description = finding_text(theme, facts)
                title_kk = description_kk = ""
                if language != "ru":
                    kk_title, kk_description = finding_text(theme, facts, kazakh=True)
                    if kk_title != title:  # there are Kazakh patterns for this theme
                        title_kk, description_kk = kk_title, kk_description
                        if language == "kk":
                            title = description = ""
                severity = rng.choices(["low", "medium", "high", "critical"], [25, 40, 25, 10])[0]
                finding = Finding(
                    visit=v,
                    theme=theme,
                    title=title,
                    title_kk=title_kk,
                    description=description,
                    description_kk=description_kk,
                    sources=SOURCES_BY_THEME.get(theme, ["observation"]),
                    severity=severity,
                    obstacle=rng.choice(["access_delayed", "documents_refused"])
                    if theme == "access" and rng.random() < 0.5
                    else "",
                    created_by=self.people[0],
                    created_at=v.ended_at,
                )
                findings.append(finding)
                if "detainees" in finding.sources and rng.random() < 0.5:
                    links.append((finding, rng.choice(heard_by_visit[v.pk])))
            if rng.random() < 0.45:
                kazakh = rng.random() < 0.2
                title, description = good_practice_text(facts, kazakh=kazakh)
                findings.append(
                    Finding(
                        visit=v,
                        theme=rng.choice(["safeguards", "regime", "health_care", "personnel"]),
                        title="" if kazakh else title,
                        title_kk=title if kazakh else "",
                        description="" if kazakh else description,
                        description_kk=description if kazakh else "",
                        sources=["observation", "documents"],
                        good_practice=True,
                        created_by=self.people[0],
                        created_at=v.ended_at,
                    )
                )
        findings = Finding.objects.bulk_create(findings, batch_size=2000)
        Finding.interviews.through.objects.bulk_create(
            (Finding.interviews.through(finding_id=f.pk, interview_id=i.pk) for f, i in links),
            batch_size=5000,
        )
        marks = 0
        if checklists:
            responses = Response.objects.bulk_create(
                (
                    Response(visit=v, version=version, started_by=self.people[0], answers={})
                    for v in visits
                    for version in self.checklists.get(v.institution.type_id, [])[:1]
                ),
                batch_size=2000,
            )
            for chunk in range(0, len(responses), 500):
                made = ComplianceMark.objects.bulk_create(
                    (
                        ComplianceMark(
                            response=r,
                            path=name,
                            question=name,
                            section="s",
                            value=rng.choices(
                                ["compliant", "partly", "non_compliant", "not_checked"],
                                [6, 2, 2, 1],
                            )[0],
                        )
                        for r in responses[chunk : chunk + 500]
                        for name in self.items[r.version_id]
                    ),
                    batch_size=5000,
                )
                marks += len(made)
        # Recommendations, in Russian (Kazakh for most: the text_ru field is required).
        made = []
        by_visit = {v.pk: v for v in visits}
        for f in findings:
            v = by_visit[f.visit_id]
            if f.good_practice or v.status not in (V.APPROVED, V.SENT, V.CLOSED):
                continue
            if rng.random() >= 0.75:
                continue
            facts = facts_of[v.pk]
            priority = (
                {"critical": "high", "high": "high", "medium": "medium"}[f.severity]
                if (f.severity in ("critical", "high", "medium"))
                else "low"
            )
            level, ru, kk = rng.choice(TEXTS.get(f.theme) or TEXTS["material_conditions"])
            a, b = facts.two_rooms()
            deadline = v.planned_date + timedelta(
                days={"high": 45, "medium": 90, "low": 180}[priority]
            )
            slots = {
                "head_cap": facts.w["head"][0].upper() + facts.w["head"][1:],
                "in_rooms": facts.w["in_rooms"],
                "rooms_gen": facts.w["rooms_gen"],
                "people_acc": facts.w["people_gen"],
                "people_gen": facts.w["people_gen"],
                "a": a,
                "b": b,
                "deadline": f"{deadline:%d.%m.%Y}",
                "start": f"{v.planned_date + timedelta(days=30):%d.%m.%Y}",
                "day": f"{v.planned_date:%d.%m.%Y}",
            }
            made.append(
                (
                    Recommendation(
                        visit=v,
                        text_ru=ru.format(**slots),
                        text_kk=kk.format(**slots) if rng.random() < 0.7 else "",
                        addressee=self.addressee(level, v.institution, f.theme),
                        theme=f.theme,
                        level=level,
                        priority=priority,
                        deadline=deadline,
                        status=R.DRAFT if v.status == V.APPROVED else R.ISSUED,
                        created_by=self.people[0],
                        created_at=v.ended_at,
                    ),
                    f,
                )
            )
        # Their history: issued when the report was sent, then the answers as they came.
        history: list[tuple[int, str, date]] = []
        for n, (r, _f) in enumerate(made):
            if r.status == R.DRAFT:
                continue
            sent = r.visit.planned_date + timedelta(days=rng.randint(15, 40))
            steps = [(R.ISSUED, sent)]
            answered = sent + timedelta(days=rng.randint(20, 50))
            if answered <= today and rng.random() >= 0.12:
                first = R.REJECTED if rng.random() < 0.12 else R.ACCEPTED
                steps.append((first, answered))
                checked = answered + timedelta(days=rng.randint(60, 200))
                if checked <= today and rng.random() >= 0.2:
                    final = rng.choice(
                        [R.IMPLEMENTED, R.IMPLEMENTED, R.PARTLY, R.IN_PROGRESS, R.NOT_IMPLEMENTED]
                        if first == R.ACCEPTED
                        else [R.NOT_IMPLEMENTED, R.IN_PROGRESS]
                    )
                    steps.append((final, checked))
            r.status = steps[-1][0]
            history += [(n, status, on) for status, on in steps]
        recommendations = Recommendation.objects.bulk_create([r for r, _f in made], batch_size=2000)
        Recommendation.findings.through.objects.bulk_create(
            (
                Recommendation.findings.through(recommendation_id=r.pk, finding_id=f.pk)
                for r, (_r, f) in zip(recommendations, made, strict=True)
            ),
            batch_size=5000,
        )
        StatusChange.objects.bulk_create(
            (
                StatusChange(
                    recommendation=recommendations[n],
                    status=status,
                    evidence=rng.choice(FOLLOW_UP_EVIDENCE.get(status, [""])).format(
                        n=f"{rng.randint(10, 99)}-{rng.randint(100, 999)}", d=f"{on:%d.%m.%Y}"
                    ),
                    assessed_by=self.people[1],
                    assessed_at=at(on, 11),
                )
                for n, status, on in history
            ),
            batch_size=5000,
        )
        return {
            f"visits in {year}": count,
            "findings": len(findings),
            "recommendations": len(recommendations),
            "answers": len(history),
            "interviews": len(interviews),
            "compliance marks": marks,
        }


if __name__ == "__main__":
    main()
