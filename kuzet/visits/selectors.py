"""Reads of visits, scoped by the policy, and the filters of links to lists of visits."""

import contextlib
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

from kuzet.core.params import id_param
from kuzet.core.policy import visit_scope
from kuzet.visits.models import Visit


def visits_for(user: Any) -> QuerySet[Visit]:
    """The visits ``user`` may see (core.policy.visit_scope)."""
    regions, team_only = visit_scope(user)
    visits = Visit.objects.select_related("institution", "institution__type", "region")
    if regions is not None:
        visits = visits.filter(region_id__in=regions)
    if team_only:
        visits = visits.filter(team__user=user)
    return visits.distinct()


def visit_filter_kwargs(params: QueryDict, prefix: str = "") -> dict[str, Any]:
    """Filter arguments for visits (or ``prefix``-related rows) from the parameters of a
    link (``start``, ``end``, ``region``, ``department``, ``type``, ``kind``: those of the
    dashboard's filters, ``kuzet.dashboard.filters``).

    Used by the lists the dashboard links to; a malformed value is ignored, as a list does
    with a stale link.
    """
    kwargs: dict[str, Any] = {}
    for name, lookup in (("start", "planned_date__gte"), ("end", "planned_date__lte")):
        with contextlib.suppress(ValueError):
            kwargs[prefix + lookup] = date.fromisoformat(params.get(name, ""))
    for name, lookup in (
        ("region", "region_id"),
        ("department", "institution__department_id"),
        ("type", "institution__type_id"),
    ):
        value = id_param(params.get(name))
        if value is not None:
            kwargs[prefix + lookup] = value
    if params.get("kind", "") in Visit.Kind.values:
        kwargs[prefix + "kind"] = params["kind"]
    return kwargs
