"""The demo year's annual visit plan and its reports: the parts of the demo that belong to
the apps at the top (the plan is the dashboard's; reports are queued for the worker)."""

from datetime import date

from kuzet.dashboard.models import PlanEntry
from kuzet.dashboard.priorities import plan_entry_add
from kuzet.people.models import User
from kuzet.reports.services import annual_spec, visit_spec
from kuzet.reports.tasks import report_request
from kuzet.reports.visit_data import EXTERNAL
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
    """Queue a few visit reports and the annual report (ru, kk) for the worker of ``make
    run``; returns how many were queued."""
    secretariat = User.objects.get(username="demo-secretariat")
    closed = Visit.objects.filter(institution__is_demo=True, status=Visit.Status.CLOSED).order_by(
        "-planned_date", "pk"
    )[:3]
    specs = [
        visit_spec(actor=None, visit=visit, language=language, edition=EXTERNAL)
        for visit, language in zip(closed, ["ru", "kk", "ru"], strict=False)
    ]
    specs += [
        annual_spec(
            actor=None, start=date(today.year, 1, 1), end=date(today.year, 12, 31), language=lang
        )
        for lang in ("ru", "kk")
    ]
    for spec in specs:
        report_request(actor=secretariat, spec=spec, fmt="pdf")
    return len(specs)
