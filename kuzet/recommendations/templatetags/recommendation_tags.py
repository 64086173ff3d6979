"""Recommendations shown on other apps' pages (the visit's preparation pack)."""

from typing import Any

from django import template

from kuzet.recommendations.models import Recommendation, RecommendationQuerySet
from kuzet.visits.selectors import visits_for

register = template.Library()


@register.simple_tag
def open_recommendations_to_verify(visit: Any, user: Any) -> RecommendationQuerySet:
    """``{% open_recommendations_to_verify visit user as recommendations %}``: those of
    earlier visits the user may open (as the field package lists them)."""
    return Recommendation.objects.to_verify_on(visit).filter(visit__in=visits_for(user))
