"""The demo year's annual visit plan and its reports: the parts of the demo that belong to
the apps at the top (the plan is the dashboard's; reports are queued for the worker; the
published annual report is built at once and put on the public site)."""

from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from kuzet.dashboard.models import PlanEntry
from kuzet.dashboard.priorities import plan_entry_add
from kuzet.people.models import User
from kuzet.public.services import report_publish
from kuzet.recommendations.demo import KAZAKH_FIRST
from kuzet.reports.demo import demo_annual_report
from kuzet.reports.models import GeneratedReport
from kuzet.reports.services import report_build, visit_spec
from kuzet.reports.tasks import report_request
from kuzet.reports.visit_data import EXTERNAL
from kuzet.visits import demo_translations
from kuzet.visits.models import TeamMember, Visit


def demo_plan_create(*, today: date) -> int:
    """The year's plan: the regular visits of the demo (planned and carried out), so that the
    planning page compares plan and actual."""
    secretariat = User.objects.get(username="demo-secretariat")
    visits = (
        Visit.objects.filter(
            institution__is_demo=True, kind=Visit.Kind.REGULAR, planned_date__year=today.year
        )
        .select_related("institution", "region")
        .order_by("planned_date", "pk")
    )
    made = 0
    for visit in visits:
        month = visit.planned_date.month
        if PlanEntry.objects.filter(
            year=today.year, month=month, institution=visit.institution
        ).exists():
            continue
        leader = visit.team.filter(role=TeamMember.Role.LEADER).first()
        plan_entry_add(
            actor=secretariat,
            region=visit.region,
            year=today.year,
            month=month,
            institution=visit.institution,
            leader=leader.user if leader else None,
            team_note="Группа региона, 2–3 человека",
        )
        made += 1
    return made


def demo_reports_request(*, today: date) -> int:
    """Queue a few visit reports for the worker of ``make run``; returns how many were
    queued (the annual report is the published edition, ``demo_annual_publish``)."""
    secretariat = User.objects.get(username="demo-secretariat")
    closed = Visit.objects.filter(institution__is_demo=True, status=Visit.Status.CLOSED).order_by(
        "-planned_date", "pk"
    )[:3]
    specs = [
        visit_spec(actor=None, visit=visit, language=language, edition=EXTERNAL)
        for visit, language in zip(closed, ["ru", "kk", "ru"], strict=False)
    ]
    for spec in specs:
        report_request(actor=secretariat, spec=spec, fmt="pdf")
    return len(specs)


def demo_translate(text: str) -> str | None:
    """The demo secretariat's translator: the demo's finding titles, good practices and
    Kazakh findings (visits), and the recommendations written in Kazakh first."""
    return demo_translations.translate(text) or KAZAKH_FIRST.get(" ".join(text.split()))


def demo_annual_publish(*, today: date, build: bool = True) -> list[GeneratedReport]:
    """The demo year's annual report written, approved and published (reports.demo); with
    ``build``, its PDFs are built now rather than by the worker (the DOCX stay queued) and
    put on the public site, as the secretariat would once they are ready."""
    files = demo_annual_report(today=today, translate=demo_translate)
    if not build:
        return files
    secretariat = User.objects.get(username="demo-secretariat")
    # The PDFs now (the public site shows them); the DOCX are left to the worker.
    built = [report_build(f.pk) if f.format == "pdf" else f for f in files]
    for report in built:
        if report.format == "pdf" and report.status == GeneratedReport.Status.DONE:
            assert report.annual_edition is not None
            with translation.override(report.language):
                title = _("Annual report of the National Preventive Mechanism, %(year)s") % {
                    "year": report.annual_edition.year
                }
            report_publish(actor=secretariat, report=report, title=title)
    return built
