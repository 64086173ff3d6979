"""Recommendations shown on other apps' pages (the visit's preparation pack)."""

from typing import Any

from django import template

from kuzet.recommendations.models import Recommendation, RecommendationQuerySet

register = template.Library()


@register.simple_tag
def open_recommendations_to_verify(visit: Any) -> RecommendationQuerySet:
    """``{% open_recommendations_to_verify visit as recommendations %}``"""
    return Recommendation.objects.to_verify_on(visit)
