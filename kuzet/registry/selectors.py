"""Reads of the inventory."""

from typing import Any

from django.db.models import F

from kuzet.core.policy import Action, regions_where
from kuzet.registry.models import Institution, InstitutionQuerySet

SORT_ORDERS: dict[str, list[Any]] = {
    "name": ["name_ru", "pk"],
    # Never visited first, then the longest since the last visit.
    "-days": [F("last_visited_on").asc(nulls_first=True), "name_ru", "pk"],
    "days": [F("last_visited_on").desc(nulls_last=True), "name_ru", "pk"],
    "region": ["region__name_ru", "name_ru", "pk"],
    "-population": [F("population").desc(nulls_last=True), "name_ru", "pk"],
}


def institution_list(*, user: Any, filters: dict[str, Any]) -> InstitutionQuerySet:
    """Institutions the user may see, filtered by the cleaned ``InventoryFilterForm`` data."""
    qs = Institution.objects.with_related().in_regions(regions_where(user, Action.VIEW_INVENTORY))
    text = (filters.get("q") or "").strip()
    if text:
        for word in Institution.name_key_of(text).split():
            qs = qs.filter(search_text__contains=word)
    for name in ("region", "department", "type"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by(*SORT_ORDERS.get(filters.get("sort") or "name", SORT_ORDERS["name"]))


def institution_for_user(*, user: Any, pk: int) -> Institution | None:
    return (
        Institution.objects.with_related()
        .in_regions(regions_where(user, Action.VIEW_INVENTORY))
        .filter(pk=pk)
        .first()
    )
