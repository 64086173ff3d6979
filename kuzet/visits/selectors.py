"""Reads of visits, scoped by the policy."""

from typing import Any

from django.db.models import QuerySet

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
