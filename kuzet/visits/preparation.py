"""The preparation pack of a visit: what the team should know before going in."""

from dataclasses import dataclass

from django.db.models import QuerySet

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import questions
from kuzet.recommendations.models import Recommendation
from kuzet.registry.models import Institution, Norm
from kuzet.visits.models import Visit


@dataclass
class PreparationPack:
    institution: Institution
    previous_visits: QuerySet[Visit]
    open_recommendations: QuerySet[Recommendation]
    instruments: list[InstrumentVersion]
    norms: QuerySet[Norm]


def preparation_pack(visit: Visit) -> PreparationPack:
    """Profile, earlier visits, recommendations to verify on site, instruments and their norms."""
    institution = visit.institution
    previous = (
        Visit.objects.filter(institution=institution, planned_date__lt=visit.planned_date)
        .exclude(pk=visit.pk)
        .order_by("-planned_date")[:10]
    )
    open_recommendations = (
        Recommendation.objects.open()
        .filter(visit__institution=institution)
        .exclude(visit=visit)
        .select_related("addressee", "visit")
        .order_by("deadline", "pk")
    )
    instruments = instruments_for(institution)
    codes: set[str] = set()
    for version in instruments:
        for node in questions(version.document):
            codes.update(node.item.get("norms", []))
    return PreparationPack(
        institution=institution,
        previous_visits=previous,
        open_recommendations=open_recommendations,
        instruments=instruments,
        norms=Norm.objects.filter(code__in=codes).order_by("code"),
    )


def instruments_for(institution: Institution) -> list[InstrumentVersion]:
    """The newest published version of each instrument for the institution's type (or for every type)."""
    return InstrumentVersion.objects.published().for_types([institution.type_id]).newest()
