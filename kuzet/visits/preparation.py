"""The preparation pack of a visit: what the team should know before going in.

The open recommendations to verify on site belong to the recommendations app, which stands
above visits: the pack's page asks for them through its template tag
(``recommendation_tags.open_recommendations_to_verify``), so visits does not import it."""

from dataclasses import dataclass

from django.db.models import QuerySet

from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.schema import questions
from kuzet.registry.models import Institution, Norm
from kuzet.visits.models import Visit


@dataclass
class PreparationPack:
    institution: Institution
    previous_visits: QuerySet[Visit]
    instruments: list[InstrumentVersion]
    norms: QuerySet[Norm]


def preparation_pack(visit: Visit) -> PreparationPack:
    """Profile, earlier visits, instruments and their norms."""
    institution = visit.institution
    previous = (
        Visit.objects.filter(institution=institution, planned_date__lt=visit.planned_date)
        .exclude(pk=visit.pk)
        .order_by("-planned_date")[:10]
    )
    instruments = instruments_for(institution)
    codes: set[str] = set()
    for version in instruments:
        for node in questions(version.document):
            codes.update(node.item.get("norms", []))
    return PreparationPack(
        institution=institution,
        previous_visits=previous,
        instruments=instruments,
        norms=Norm.objects.filter(code__in=codes).order_by("code"),
    )


def instruments_for(institution: Institution) -> list[InstrumentVersion]:
    """The newest published version of each instrument for the institution's type (or for every type)."""
    return InstrumentVersion.objects.published().for_types([institution.type_id]).newest()
