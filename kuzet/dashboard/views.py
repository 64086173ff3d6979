"""Pages of the dashboard: the indicators with charts, tables and CSV, the visits behind a
figure, the annual visit plan with its suggestions, and the weights of the priority score."""

import csv
import gc
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuzet.core.charts import table_svg
from kuzet.core.params import id_param
from kuzet.core.policy import Action, can, regions_where
from kuzet.core.small import small
from kuzet.core.spreadsheets import formula_protected
from kuzet.dashboard import indicators, regions_map
from kuzet.dashboard.facts import (
    ALLEGATIONS_COUNTED,
    APPEALS_COUNTED,
    CARRIED_OUT,
    INTERVIEWS_COUNTED,
    NON_COMPLIANT,
    QUALITY_COUNTS,
    facts_catch_up,
)
from kuzet.dashboard.filters import Filters, filters_from
from kuzet.dashboard.forms import PlanEntryForm, PlanningFilterForm, WeightsForm
from kuzet.dashboard.models import PlanEntry, PriorityWeights
from kuzet.dashboard.priorities import (
    may_edit_weights,
    plan_by_month,
    plan_entry_add,
    plan_entry_remove,
    plan_with_actual,
    priority_weights_update,
    reasons,
    suggestions,
)
from kuzet.quality.signals import SIGNALS
from kuzet.registry.models import Region
from kuzet.visits.models import Allegation, Appeal, ComplianceMark, Interview, Visit
from kuzet.visits.selectors import visits_for

CHARTED = [
    "trend_months",
    "visits_by_region",
    "visits_by_type",
    "visits_by_department",
    "visits_by_kind",
    "visits_by_status",
    "coverage_days",
    "interviews",
    "allegations",
    "appeals",
    "recommendations_by_status",
    "recommendations_by_addressee",
    "noncompliant_items",
]
QUALITY_TABLES = ["quality_by_region", "quality_by_group", "quality_by_department",
                  "quality_by_month"]  # fmt: skip
SUGGESTIONS_SHOWN = 25


def _require_dashboard(request: HttpRequest) -> None:
    if not can(request.user, Action.VIEW_DASHBOARD):
        raise PermissionDenied


def _counting(request: HttpRequest) -> None:
    """Every page that counts: the user may see the dashboard, and the facts have caught up
    with the writes marked since the last page (so a write is counted at the next load)."""
    _require_dashboard(request)
    facts_catch_up()


def _filters(request: HttpRequest) -> tuple[Any, Filters, list[str]]:
    form, filters, problems = filters_from(request.user, request.GET)
    return form, filters, problems


@login_required
@require_GET
def indicators_page(request: HttpRequest) -> HttpResponse:
    _counting(request)
    form, f, problems = _filters(request)
    others = indicators.others_visits(request.user, f)
    coverage = indicators.coverage_by_region(f)
    links = {
        row.key: f"{reverse('dashboard:indicators')}?{f.query(region=region_pk)}"
        for row, region_pk in _region_pks(coverage)
    }
    tables = {key: indicators.TABLES[key](f) for key in CHARTED}
    tables["coverage_by_region"] = coverage
    # The headline sums the exact tables, then withholds its own small figures.
    headline = indicators.withhold_headline(indicators.headline(f, tables), others)
    for table in tables.values():
        indicators.withhold(table, others)
    quality_tables = [
        indicators.withhold(indicators.TABLES[key](f), others) for key in QUALITY_TABLES
    ]
    cells = regions_map.cells(coverage, links)
    # The drawing is cropped to the regions shown (one cell for a coordinator).
    x0 = min((c.x for c in cells), default=0)
    y0 = min((c.y for c in cells), default=0)
    width = max((c.x for c in cells), default=0) - x0 + regions_map.CELL_W
    height = max((c.y for c in cells), default=0) - y0 + regions_map.CELL_H
    context = {
        "form": form,
        "problems": problems,
        "filters": f,
        "query": f.query(),
        "headline": headline,
        "tables": [tables[key] for key in CHARTED],
        "quality_tables": quality_tables,
        "may_set_quality": can(request.user, Action.MANAGE_QUALITY_SETTINGS),
        "quality_note": indicators.QUALITY_NOTE,
        "coverage": coverage,
        "map_cells": cells,
        "map_box": f"{x0} {y0} {width} {height}",
        "map_width": width,
        "map_height": height,
        "map_legend": regions_map.legend(),
        "no_institutions": not any(row.values[0] for row in coverage.rows),
        "withheld": not others.none,
        "small_count": settings.KUZET_SMALL_COUNT,
    }
    return render(request, "dashboard/indicators.html", context)


def _region_pks(coverage: indicators.Table) -> list[tuple[indicators.Row, int]]:
    pks = dict(Region.objects.values_list("kato", "pk"))
    return [(row, pks[row.key]) for row in coverage.rows if row.key in pks]


def _table_or_404(request: HttpRequest, key: str) -> indicators.Table:
    _counting(request)
    if key not in indicators.TABLES:
        raise Http404
    _form, f, _problems = _filters(request)
    return indicators.withhold(indicators.TABLES[key](f), indicators.others_visits(request.user, f))


def _drawn(table: indicators.Table) -> bytes:
    """The chart of ``table``, kept by a hash of everything it draws: drawing takes matplotlib
    100–300 ms, and the table itself is counted afresh on every request, so a changed figure
    (or another language) is another key and nothing stale is shown."""
    drawn: list[Any] = [table.key, table.title, table.chart, table.columns]
    drawn += [[row.label, row.values, sorted(row.withheld)] for row in table.rows]
    digest = hashlib.sha256(json.dumps(drawn, default=str).encode()).hexdigest()
    svg: bytes | None = cache.get(f"dashboard:svg:{digest}")
    if svg is None:
        svg = table_svg(table)
        cache.set(f"dashboard:svg:{digest}", svg, timeout=24 * 3600)
        # A drawing leaves thousands of matplotlib objects in reference cycles; collected
        # here, on the chart's own request, they do not stall a later page (measured: a
        # collection after 60 charts took 270 ms of a planning page).
        gc.collect()
    return svg


@login_required
@require_GET
def chart(request: HttpRequest, key: str) -> HttpResponse:
    table = _table_or_404(request, key)
    response = HttpResponse(_drawn(table), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_GET
def table_csv(request: HttpRequest, key: str) -> HttpResponse:
    table = _table_or_404(request, key)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kuzet-{key}.csv"'
    response.write("\ufeff")  # so that Excel opens it as UTF-8
    writer = csv.writer(response)
    # Labels are names people typed (addressees, institutions): never live formulas.
    writer.writerow(["", *map(formula_protected, table.columns)])
    withheld = small(1)  # "< N"
    for row in table.rows:
        values = (
            withheld if n in row.withheld else "" if v is None else v
            for n, v in enumerate(row.values)
        )
        writer.writerow([formula_protected(row.label), *values])
    return response


# The lists behind the figures of interviews and allegations: the visits with at least one
# row counted by the figure (the definitions of the facts).
HAS: dict[str, tuple[type[Interview] | type[Allegation] | type[Appeal], Q]] = {
    "interviews": (Interview, INTERVIEWS_COUNTED["interviews"]),
    "vulnerable": (Interview, INTERVIEWS_COUNTED["interviews_vulnerable"]),
    "fears": (Interview, INTERVIEWS_COUNTED["interviews_fears"]),
    "reprisal_risk": (Interview, INTERVIEWS_COUNTED["interviews_risk"]),
    "allegations": (Allegation, Q()),
    "ill_treatment": (Allegation, ALLEGATIONS_COUNTED["allegations_ill_treatment"]),
    "reprisal": (Allegation, ALLEGATIONS_COUNTED["allegations_reprisal"]),
    "appeals": (Appeal, APPEALS_COUNTED["appeals"]),
    "appeals_forwarded": (Appeal, APPEALS_COUNTED["appeals_forwarded"]),
}


@login_required
@require_GET
def visit_drill(request: HttpRequest) -> HttpResponse:
    """The visits behind a figure: the dashboard's filters plus what the figure counts."""
    _counting(request)
    form, f, problems = _filters(request)
    visits = indicators.visits_in(f)
    what: list[str] = []
    status = request.GET.get("status", "")
    if status in Visit.Status.values:
        visits = visits.filter(status=status)
        what.append(str(Visit.Status(status).label))
    if request.GET.get("done") == "1":
        visits = visits.filter(status__in=CARRIED_OUT)
        what.append(_("carried out"))
    has = request.GET.get("has", "")
    if has in HAS:
        model, counted_rows = HAS[has]
        rows = model.objects.filter(counted_rows, visit=OuterRef("pk"))
        visits = visits.filter(Exists(rows))
        what.append(_("with: %(what)s") % {"what": _HAS_LABELS().get(has, has)})
    item = request.GET.get("item", "")
    instrument_text, _sep, question = item.partition(":")
    instrument = id_param(instrument_text)
    if instrument is not None and question:
        visits = visits.filter(
            Exists(
                ComplianceMark.objects.filter(
                    response__visit=OuterRef("pk"),
                    response__version__instrument_id=instrument,
                    question=question,
                    value=NON_COMPLIANT,
                )
            )
        )
        what.append(_("with the item “%(q)s” non-compliant") % {"q": question})
    elif item:
        problems.append(_("Unknown checklist item: %(item)s") % {"item": item[:80]})
    quality = request.GET.get("quality", "")
    if quality in QUALITY_COUNTS:
        # The visits whose facts count the figure (caught up above with the records).
        visits = visits.filter(**{f"dashboard_fact__{quality}__gt": 0})
        what.append(_("report quality: %(what)s") % {"what": _quality_label(quality)})
    elif quality:
        problems.append(_("Unknown quality figure: %(name)s") % {"name": quality[:80]})
    counted = visits.count()
    # Listed: only the visits the user may open (a group leader counts their region's
    # visits on the dashboard but opens only their teams').
    listed = (
        visits_for(request.user).filter(pk__in=visits.values("pk")).order_by("-planned_date", "-pk")
    )
    page = Paginator(listed, 50).get_page(request.GET.get("page"))
    # Small-count suppression: a few records the viewer cannot open are not counted exactly.
    threshold = settings.KUZET_SMALL_COUNT
    hidden = counted - page.paginator.count
    counted_shown: str | int = counted
    if 0 < hidden < threshold and counted < threshold:
        counted_shown = _("fewer than %(threshold)s") % {"threshold": threshold}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/visit_drill.html",
        {
            "form": form,
            "problems": problems,
            "filters": f,
            "what": what,
            "counted": counted,
            "counted_shown": counted_shown,
            "page": page,
            "query": query.urlencode(),
            "back": f"{reverse('dashboard:indicators')}?{f.query()}",
            "to_review": quality in QUALITY_COUNTS,
        },
    )


def _quality_label(name: str) -> str:
    labels = {
        "q_reported": _("visits reported"),
        "q_findings": _("with findings"),
        "q_findings_weak": _("weak findings"),
        "q_recommendation_texts": _("with recommendations"),
        "q_recommendation_texts_weak": _("weak recommendations"),
        "q_texts_copied": _("copied texts"),
    }
    labels.update({f"q_{code}": str(label) for code, label in SIGNALS.items()})
    return labels.get(name, name)


def _HAS_LABELS() -> dict[str, str]:
    return {
        "interviews": _("interviews"),
        "vulnerable": _("a person of a vulnerable group"),
        "fears": _("a person who fears reprisals"),
        "reprisal_risk": _("a person at medium or high risk of reprisals"),
        "allegations": _("allegations"),
        "ill_treatment": _("allegations of ill-treatment"),
        "reprisal": _("allegations of reprisals"),
        "appeals": _("video appeals"),
        "appeals_forwarded": _("video appeals forwarded"),
    }


def _planning_scope(
    request: HttpRequest,
) -> tuple[PlanningFilterForm, Region | None, int, list[str]]:
    scope = regions_where(request.user, Action.VIEW_DASHBOARD)
    form = PlanningFilterForm(request.GET or None, scope=scope)
    problems: list[str] = []
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = dict(form.cleaned_data)
        for name, errors in form.errors.items():
            problems += [str(e) for e in errors]
            data.pop(name, None)
    regions = Region.objects.all() if scope is None else Region.objects.filter(pk__in=scope)
    region = data.get("region") or regions.order_by("name_ru").first()
    year = data.get("year") or timezone.localdate().year
    if region is not None:
        # The form shows what is shown, also when it came from the defaults.
        form = PlanningFilterForm({"region": region.pk, "year": year}, scope=scope)
    return form, region, year, problems


@login_required
@require_http_methods(["GET", "POST"])
def planning(request: HttpRequest) -> HttpResponse:
    _counting(request)
    form, region, year, problems = _planning_scope(request)
    if region is None:
        raise PermissionDenied
    can_plan = can(request.user, Action.PLAN_VISIT, region.pk)
    entry_form = PlanEntryForm(request.POST or None, region=region) if can_plan else None
    if request.method == "POST":
        if entry_form is None:
            raise PermissionDenied
        if entry_form.is_valid():
            data = entry_form.cleaned_data
            try:
                plan_entry_add(
                    actor=request.user,
                    region=region,
                    year=year,
                    month=data["month"],
                    institution=data["institution"],
                    leader=data["leader"],
                    team_note=data["team_note"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("The institution is in the plan."))
        else:
            messages.error(request, _("The plan entry was not added: check the month and team."))
        return redirect(f"{reverse('dashboard:planning')}?region={region.pk}&year={year}")
    today = timezone.localdate()
    ranked = suggestions(region=region, year=year, today=today, limit=SUGGESTIONS_SHOWN)
    entries = list(plan_with_actual(region=region, year=year))
    months = plan_by_month(region=region, year=year)
    totals = {
        key: sum(m[key] for m in months)
        for key in ("planned", "scheduled", "carried_out", "all_carried_out")
    }
    institutions = region.institutions.filter(status="active").count()
    return render(
        request,
        "dashboard/planning.html",
        {
            "form": form,
            "problems": problems,
            "region": region,
            "year": year,
            "suggestions": [(i, reasons(i)) for i in ranked],
            "entries": entries,
            "months": months,
            "totals": totals,
            "institutions": institutions,
            "can_plan": can_plan,
            "entry_form": entry_form,
            "default_month": today.month if year == today.year else 1,
            "can_edit_weights": may_edit_weights(request.user),
            "weights": PriorityWeights.current(),
        },
    )


@login_required
@require_POST
def plan_entry_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_dashboard(request)
    entry = PlanEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404
    plan_entry_remove(actor=request.user, entry=entry)
    messages.success(request, _("The entry is removed from the plan."))
    return redirect(f"{reverse('dashboard:planning')}?region={entry.region_id}&year={entry.year}")


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: HttpRequest) -> HttpResponse:
    _require_dashboard(request)
    editable = may_edit_weights(request.user)
    current = PriorityWeights.current()
    form = WeightsForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        if form.is_valid():
            priority_weights_update(
                actor=request.user,
                values={k: v for k, v in form.cleaned_data.items() if isinstance(v, int)},
            )
            messages.success(request, _("The weights are saved."))
            return redirect("dashboard:weights")
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request, "dashboard/weights.html", {"form": form, "editable": editable, "weights": current}
    )
