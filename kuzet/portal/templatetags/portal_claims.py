"""``{% addressee_claims visit user as claims %}``: the addressees' answers a follow-up visit
verifies (``kuzet.portal.claims``)."""

from typing import Any

from django import template

from kuzet.portal.claims import Claim, claims_on

register = template.Library()


@register.simple_tag
def addressee_claims(visit: Any, user: Any) -> list[Claim]:
    return claims_on(visit, user)
