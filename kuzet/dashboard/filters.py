"""The dashboard's filters: the form, the cleaned ``Filters`` and the query strings of links.

The same parameters (``start``, ``end``, ``region``, ``department``, ``type``, ``kind``) are
read by the lists the figures link to (``kuzet.visits.selectors.visit_filter_kwargs``), so
that a figure and the list behind it count the same records.
"""

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuzet.core.policy import Action, regions_where
from kuzet.registry.models import Department, InstitutionType, Region
from kuzet.visits.models import Visit

PARAMS = ("start", "end", "region", "department", "type", "kind")
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    # None: every region; otherwise the regions counted (the user's scope, or the one chosen).
    regions: frozenset[int] | None
    region: Region | None = None
    department: Department | None = None
    type: InstitutionType | None = None
    kind: str = ""
    today: date = date.min
    # Figures several tables of one page share, computed once (a new ``Filters`` has none).
    memo: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def query(self, **extra: Any) -> str:
        """The query string of these filters (plus ``extra``), for links to lists. A page
        has hundreds of links: the filters' part is encoded once."""
        added = {key: str(value) for key, value in extra.items() if value not in (None, "")}
        if "query" not in self.memo:
            params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
            for name in ("region", "department", "type"):
                value = getattr(self, name)
                if value is not None:
                    params[name] = str(value.pk)
            if self.kind:
                params["kind"] = self.kind
            self.memo["query"] = (params, urlencode(params))
        params, encoded = self.memo["query"]
        if not added:
            return str(encoded)
        if added.keys() & params.keys():  # a filter replaced: in its place, as before
            return urlencode({**params, **added})
        return f"{encoded}&{urlencode(added)}"

    def with_region(self, region: Region) -> "Filters":
        return replace(self, region=region, regions=frozenset({region.pk}))


def default_period(today: date) -> tuple[date, date]:
    """The calendar year of ``today``: the unit of the annual report and the annual plan."""
    return date(today.year, 1, 1), date(today.year, 12, 31)


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    region = forms.ModelChoiceField(Region.objects.all(), label=_("Region"), required=False)
    department = forms.ModelChoiceField(
        Department.objects.all(), label=_("Department"), required=False
    )
    type = forms.ModelChoiceField(
        InstitutionType.objects.all(), label=_("Type of place"), required=False
    )
    kind = forms.ChoiceField(
        label=_("Type of visit"), required=False, choices=[("", _("any")), *Visit.Kind.choices]
    )

    def __init__(self, *args: Any, scope: frozenset[int] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        if scope is not None:
            region.queryset = Region.objects.filter(pk__in=scope)
        for name in ("region", "department", "type"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.empty_label = str(_("all"))
            field.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            value = data.get(name)
            if value is not None and not EARLIEST <= value <= LATEST:
                self.add_error(
                    name,
                    _("Choose a date between %(a)s and %(b)s.")
                    % {"a": EARLIEST.year, "b": LATEST.year},
                )
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period is empty: its end is before its start."))
        return data


def filters_from(user: Any, params: QueryDict) -> tuple[DashboardFilterForm, Filters, list[str]]:
    """The form, the filters to count with, and what was wrong with the input (ignored)."""
    scope = regions_where(user, Action.VIEW_DASHBOARD)
    today = timezone.localdate()
    form = DashboardFilterForm(params or None, scope=scope)
    problems: list[str] = []
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        data = dict(form.cleaned_data)
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = field.label if field is not None else ""
            problems += [f"{label}: {e}" if label else str(e) for e in errors]
            data.pop(name, None)
        if "end" in form.errors:
            data.pop("start", None)
    start, end = default_period(today)
    start = data.get("start") or start
    end = data.get("end") or max(end, start)
    region = data.get("region")
    regions = frozenset({region.pk}) if region is not None else scope
    filters = Filters(
        start=start,
        end=end,
        regions=regions,
        region=region,
        department=data.get("department"),
        type=data.get("type"),
        kind=data.get("kind") or "",
        today=today,
    )
    return form, filters, problems
