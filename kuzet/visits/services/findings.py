"""Recording findings (problems, good practice, obstacles to access) and allegations."""

from datetime import date
from typing import Any

from django.db import transaction

from kuzet.quality.copies import remember_text
from kuzet.visits.models import (
    Allegation,
    CodedPerson,
    ComplianceMark,
    Finding,
    Interview,
    Visit,
    VisitChange,
)
from kuzet.visits.services.access import require_can_record


@transaction.atomic
def finding_record(
    *,
    actor: Any,
    visit: Visit,
    theme: str,
    title: str,
    description: str,
    sources: list[str],
    good_practice: bool = False,
    severity: str = "",
    obstacle: str = "",
    interviews: list[Interview] | None = None,
    items: list[ComplianceMark] | None = None,
    no_recommendation_reason: str = "",
) -> Finding:
    """Record a finding; raises PermissionDenied or ValidationError with every problem."""
    require_can_record(actor, visit)
    finding = Finding(
        visit=visit,
        theme=theme,
        title=title.strip(),
        description=description.strip(),
        sources=sources,
        good_practice=good_practice,
        severity=severity,
        obstacle=obstacle,
        no_recommendation_reason=no_recommendation_reason.strip(),
        created_by=actor,
    )
    finding.full_clean()
    finding.save()
    remember_text(
        kind="finding",
        source=finding.quality_source,
        text=finding.description,
        institution_id=visit.institution_id,
    )
    linked = [i for i in interviews or [] if i.visit_id == visit.pk]
    if linked:
        finding.set_related("interviews", linked)
    marks = [m for m in items or [] if m.response.visit_id == visit.pk]
    if marks:
        finding.set_related("items", marks)
    return finding


@transaction.atomic
def allegation_record(
    *,
    actor: Any,
    visit: Visit,
    person: CodedPerson,
    kind: str,
    circumstances: str,
    perpetrator: str,
    methods: list[str],
    occurred_on: date | None = None,
    place: str = "",
    injuries_observed: str = "",
    medical_documentation: bool | None = None,
    witnesses: str = "",
    consent_transmit: bool = False,
    referral: str = Allegation.Referral.NONE,
    extent: str = Allegation.Extent.UNKNOWN,
) -> Allegation:
    """Record an allegation; it is never transmitted without the person's recorded consent."""
    require_can_record(actor, visit)
    allegation = Allegation(
        visit=visit,
        person=person,
        kind=kind,
        circumstances=circumstances.strip(),
        perpetrator=perpetrator,
        methods=methods,
        occurred_on=occurred_on,
        place=place,
        injuries_observed=injuries_observed,
        medical_documentation=medical_documentation,
        witnesses=witnesses,
        consent_transmit=consent_transmit,
        referral=referral,
        extent=extent,
        created_by=actor,
    )
    allegation.full_clean()
    allegation.save()
    VisitChange.mark(visit.pk)
    return allegation
