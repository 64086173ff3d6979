"""Recording findings (problems, good practice, obstacles to access) and allegations, and
correcting them until the record is approved (every change audited)."""

import dataclasses
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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


@dataclasses.dataclass(frozen=True, kw_only=True)
class FindingFields:
    """What a finding says: the keywords of ``finding_record`` and ``finding_update``, listed
    once (an unknown or missing keyword is a TypeError, as in any signature)."""

    theme: str
    title: str
    description: str
    sources: list[str]
    title_kk: str = ""
    description_kk: str = ""
    good_practice: bool = False
    severity: str = ""
    obstacle: str = ""
    interviews: list[Interview] | None = None
    items: list[ComplianceMark] | None = None
    no_recommendation_reason: str = ""

    def values(self) -> dict[str, Any]:
        """The finding's own fields as stored (texts stripped), without its links."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del values["interviews"], values["items"]
        for name in (
            "title",
            "description",
            "title_kk",
            "description_kk",
            "no_recommendation_reason",
        ):
            values[name] = values[name].strip()
        return values


@transaction.atomic
def finding_record(*, actor: Any, visit: Visit, **fields: Any) -> Finding:
    """Record a finding; raises PermissionDenied or ValidationError with every problem."""
    given = FindingFields(**fields)
    require_can_record(actor, visit)
    linked = [i for i in given.interviews or [] if i.visit_id == visit.pk]
    finding = Finding(visit=visit, created_by=actor, **given.values())
    _check(finding, _interview_problems(linked))
    finding.save()
    remember_text(
        kind="finding",
        source=finding.quality_source,
        text=finding.description or finding.description_kk,
        institution_id=visit.institution_id,
    )
    if linked:
        finding.set_related("interviews", linked)
    marks = [m for m in given.items or [] if m.response.visit_id == visit.pk]
    if marks:
        finding.set_related("items", marks)
    return finding


def _interview_problems(interviews: list[Interview]) -> dict[str, list[str]]:
    """A finding rests only on interviews the person consented to."""
    refused = [i for i in interviews if not i.consent_interview]
    if not refused:
        return {}
    return {
        "interviews": [
            _("The interview “%(interview)s” was held without consent: no finding rests on it.")
            % {"interview": interview}
            for interview in refused
        ]
    }


def _check(record: Any, more: dict[str, list[str]] | None = None) -> None:
    """The model's rules and ``more``, every problem at once."""
    errors: dict[str, list[str]] = {}
    try:
        record.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, messages in (more or {}).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _set_if_changed(record: Any, name: str, objects: list[Any]) -> None:
    if {o.pk for o in objects} != set(getattr(record, name).values_list("pk", flat=True)):
        record.set_related(name, objects)


@transaction.atomic
def finding_update(*, actor: Any, finding: Finding, **fields: Any) -> Finding:
    """Correct a finding (the team, until approval); raises PermissionDenied, VisitLocked or
    ValidationError with every problem, changing nothing."""
    given = FindingFields(**fields)
    finding = Finding.objects.select_for_update().select_related("visit").get(pk=finding.pk)
    visit = finding.visit
    require_can_record(actor, visit)
    values = given.values()
    for name, value in values.items():
        setattr(finding, name, value)
    linked = [i for i in given.interviews or [] if i.visit_id == visit.pk]
    _check(finding, _interview_problems(linked))
    finding.save(update_fields=list(values))
    remember_text(  # the corrected text replaces the old one for copy detection
        kind="finding",
        source=finding.quality_source,
        text=finding.description or finding.description_kk,
        institution_id=visit.institution_id,
    )
    _set_if_changed(finding, "interviews", linked)
    marks = [m for m in given.items or [] if m.response.visit_id == visit.pk]
    _set_if_changed(finding, "items", marks)
    VisitChange.mark(visit.pk)
    return finding


def _person_problems(person: CodedPerson) -> dict[str, list[str]]:
    """An allegation is what the person told: only from an interview they consented to."""
    if person.pk is not None and not person.interviews.filter(consent_interview=True).exists():
        return {
            "person": [
                _(
                    "No interview with %(code)s records consent to the interview: "
                    "what the person said is not kept."
                )
                % {"code": person.code}
            ]
        }
    return {}


@dataclasses.dataclass(frozen=True, kw_only=True)
class AllegationFields:
    """What an allegation says: the keywords of ``allegation_record`` and
    ``allegation_update``, listed once."""

    person: CodedPerson
    kind: str
    circumstances: str
    perpetrator: str
    methods: list[str]
    occurred_on: date | None = None
    place: str = ""
    injuries_observed: str = ""
    medical_documentation: bool | None = None
    witnesses: str = ""
    consent_transmit: bool = False
    referral: str = Allegation.Referral.NONE
    extent: str = Allegation.Extent.UNKNOWN

    def values(self) -> dict[str, Any]:
        """The allegation's fields as stored: only the circumstances are stripped."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["circumstances"] = self.circumstances.strip()
        return values


@transaction.atomic
def allegation_record(*, actor: Any, visit: Visit, **fields: Any) -> Allegation:
    """Record an allegation; it is never transmitted without the person's recorded consent."""
    given = AllegationFields(**fields)
    require_can_record(actor, visit)
    allegation = Allegation(visit=visit, created_by=actor, **given.values())
    _check(allegation, _person_problems(given.person))
    allegation.save()
    VisitChange.mark(visit.pk)
    return allegation


@transaction.atomic
def allegation_update(*, actor: Any, allegation: Allegation, **fields: Any) -> Allegation:
    """Correct an allegation (the team, until approval); the encrypted fields' changes are
    audited without their values."""
    given = AllegationFields(**fields)
    allegation = (
        Allegation.objects.select_for_update().select_related("visit").get(pk=allegation.pk)
    )
    visit = allegation.visit
    require_can_record(actor, visit)
    values = given.values()
    for name, value in values.items():
        setattr(allegation, name, value)
    _check(allegation, _person_problems(given.person))
    allegation.save(update_fields=list(values))
    VisitChange.mark(visit.pk)
    return allegation
