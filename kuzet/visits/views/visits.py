"""Pages of the visits as a whole: the list, the month calendar and planning a visit."""

import calendar
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kuzet.core.forms import show_service_errors
from kuzet.core.policy import Action, can
from kuzet.visits.forms import PlanVisitForm
from kuzet.visits.models import TeamMember, Visit
from kuzet.visits.selectors import visits_for
from kuzet.visits.services.planning import TeamPlace, visit_plan


@login_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visits the user may see, as a list or as a month calendar (``?view=calendar``)."""
    if not can(request.user, Action.VIEW_VISIT):
        raise PermissionDenied
    status = request.GET.get("status", "")
    visits = visits_for(request.user)
    if status in Visit.Status.values:
        visits = visits.filter(status=status)
    context: dict[str, Any] = {
        "status": status,
        "statuses": Visit.Status.choices,
        "can_plan": can(request.user, Action.PLAN_VISIT),
        "view": "calendar" if request.GET.get("view") == "calendar" else "list",
    }
    if context["view"] == "calendar":
        context.update(_month(request.GET.get("month", ""), visits))
    else:
        context["visits"] = visits[:200]
    return render(request, "visits/visit_list.html", context)


def _month(value: str, visits: Any) -> dict[str, Any]:
    """A month of visits by day, Monday first; a missing or bad ``YYYY-MM`` is this month."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    by_day: dict[date, list[Visit]] = {}
    for visit in visits.filter(planned_date__range=(weeks[0][0], weeks[-1][-1])):
        by_day.setdefault(visit.planned_date, []).append(visit)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return {
        "month": first,
        "today": today,
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}",
        "weeks": [[(day, by_day.get(day, [])) for day in week] for week in weeks],
        "weekdays": [date(2024, 1, d) for d in range(1, 8)],  # 1 January 2024 was a Monday
    }


@login_required
@require_http_methods(["GET", "POST"])
def visit_plan_view(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.PLAN_VISIT):
        raise PermissionDenied
    # "Plan a visit" on an institution's page comes with ?institution=<pk>.
    initial = {"institution": request.GET.get("institution")}
    form = PlanVisitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = [TeamPlace(data["leader"], TeamMember.Role.LEADER)]
        team += [
            TeamPlace(u, TeamMember.Role.MEMBER) for u in data["members"] if u != data["leader"]
        ]
        try:
            visit = visit_plan(
                actor=request.user,
                institution=data["institution"],
                planned_date=data["planned_date"],
                team=team,
                kind=data["kind"],
                announced=data["announced"],
                objectives=data["objectives"],
                theme=data["theme"],
            )
        except ValidationError as exc:
            show_service_errors(form, exc)
        else:
            messages.success(request, _("The visit is planned."))
            return redirect("visits:visit_detail", visit.pk)
    return render(
        request, "visits/visit_plan.html", {"form": form}, status=422 if form.errors else 200
    )
