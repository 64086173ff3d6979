"""Recording the people met on a visit (by code) and the interviews with them."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kuzet.visits.models import CodedPerson, Interview, Visit, VisitChange
from kuzet.visits.services.access import require_can_record


@transaction.atomic
def interview_record(
    *,
    actor: Any,
    visit: Visit,
    kind: str,
    conducted_at: datetime,
    person_code: str = "",
    identity: dict[str, str] | None = None,
    consent_interview: bool = False,
    consent_quote: bool = False,
    consent_identify: bool = False,
    consent_transmit: bool = False,
    vulnerabilities: list[str] | None = None,
    fears_reprisals: bool | None = None,
    reprisal_risk: str = Interview.Risk.UNKNOWN,
    follow_up_on: Any = None,
    notes: str = "",
) -> Interview:
    """Record an interview (and, by code, the person if new); nothing is saved on any error."""
    require_can_record(actor, visit)
    person = None
    if person_code:
        person = CodedPerson.objects.filter(visit=visit, code=person_code).first()
        if person is None:
            person = CodedPerson(visit=visit, code=person_code, **(identity or {}))
            person.full_clean()
            try:
                with transaction.atomic():
                    person.save()
            except IntegrityError:
                raise ValidationError(
                    {"person_code": [_("This code was just taken; choose another.")]}
                ) from None
    interview = Interview(
        visit=visit,
        kind=kind,
        person=person,
        consent_interview=consent_interview,
        consent_quote=consent_quote,
        consent_identify=consent_identify,
        consent_transmit=consent_transmit,
        vulnerabilities=vulnerabilities or [],
        fears_reprisals=fears_reprisals,
        reprisal_risk=reprisal_risk,
        follow_up_on=follow_up_on,
        notes=notes,
        conducted_by=actor,
        conducted_at=conducted_at,
    )
    interview.full_clean()
    interview.save()
    VisitChange.mark(visit.pk)
    return interview
