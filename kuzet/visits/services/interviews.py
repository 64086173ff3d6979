"""Recording the people met on a visit (by code) and the interviews with them, and
correcting them until the record is approved.

An interview without the person's consent to it keeps nothing the person said: no notes,
no answers (``Interview.clean``), no questionnaire (``responses.response_start``), and no
finding rests on it (``findings``). Its time falls within the visit's stay, from the time
in to the time out, or the interview says why not (``time_note``).
"""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kuzet.core.zones import when
from kuzet.visits.models import CodedPerson, Interview, Visit, VisitChange
from kuzet.visits.services.access import require_can_record

# A device's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=10)
# The person's identity, encrypted; corrected with the interview.
IDENTITY_FIELDS = ("full_name", "birth_date", "cell")


def time_problems(
    visit: Visit, conducted_at: datetime, time_note: str, field: str = "conducted_at"
) -> dict[str, list[str]]:
    """Why an interview at ``conducted_at`` cannot be kept on ``visit`` as it is: in the
    future, or outside the visit's stay without a reason."""
    if conducted_at > timezone.now() + CLOCK_SKEW:
        return {field: [_("The time of the interview cannot be in the future.")]}
    # To the minute, as times are typed: an interview typed at 13:10 is within a stay that
    # began at 13:10:40.
    minute = timedelta(minutes=1)
    before = visit.started_at is not None and conducted_at < _minute_of(visit.started_at)
    after = visit.ended_at is not None and conducted_at >= _minute_of(visit.ended_at) + minute
    if (before or after) and not time_note.strip():
        return {
            "time_note": [
                _(
                    "The interview at %(time)s is outside the visit's stay (%(start)s – "
                    "%(end)s): correct the time, or say why it is outside."
                )
                % {
                    "time": when(conducted_at),
                    "start": when(visit.started_at),
                    "end": when(visit.ended_at) if visit.ended_at else "…",
                }
            ]
        }
    return {}


def _minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _check(interview: Interview) -> None:
    """The model's rules and the visit's times, every problem at once."""
    errors: dict[str, list[str]] = {}
    try:
        interview.full_clean()
    except ValidationError as exc:
        errors.update(exc.message_dict)
    # The stay as stored now (the caller's visit may predate a correction of its times).
    stay = Visit.objects.only("started_at", "ended_at").get(pk=interview.visit_id)
    for field, messages in time_problems(stay, interview.conducted_at, interview.time_note).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


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
    time_note: str = "",
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
        time_note=time_note.strip(),
        conducted_by=actor,
        conducted_at=conducted_at,
    )
    _check(interview)
    interview.save()
    VisitChange.mark(visit.pk)
    return interview


@transaction.atomic
def interview_update(
    *,
    actor: Any,
    interview: Interview,
    kind: str,
    conducted_at: datetime,
    consent_interview: bool = False,
    consent_quote: bool = False,
    consent_identify: bool = False,
    consent_transmit: bool = False,
    vulnerabilities: list[str] | None = None,
    fears_reprisals: bool | None = None,
    reprisal_risk: str = Interview.Risk.UNKNOWN,
    follow_up_on: Any = None,
    notes: str = "",
    time_note: str = "",
    identity: dict[str, str] | None = None,
) -> Interview:
    """Correct an interview (the team, until approval); the person keeps their code, and
    their identity is corrected when ``identity`` is given. Every change is audited (the
    encrypted fields as changed, without their values)."""
    # Locks the interview's row only (PostgreSQL locks no nullable side of a join).
    interview = (
        Interview.objects.select_for_update(of=("self",))
        .select_related("visit", "person")
        .get(pk=interview.pk)
    )
    visit = interview.visit
    require_can_record(actor, visit)
    values = {
        "kind": kind,
        "conducted_at": conducted_at,
        "consent_interview": consent_interview,
        "consent_quote": consent_quote,
        "consent_identify": consent_identify,
        "consent_transmit": consent_transmit,
        "vulnerabilities": vulnerabilities or [],
        "fears_reprisals": fears_reprisals,
        "reprisal_risk": reprisal_risk,
        "follow_up_on": follow_up_on,
        "notes": notes,
        "time_note": time_note.strip(),
    }
    for name, value in values.items():
        setattr(interview, name, value)
    errors: dict[str, list[str]] = {}
    if not consent_interview:
        if interview.responses.exists():
            errors["consent_interview"] = [
                _("A questionnaire was filled in this interview: it had the person's consent.")
            ]
        elif interview.findings.exists():
            errors["consent_interview"] = [
                _("A finding rests on this interview: remove it from the finding first.")
            ]
    try:
        _check(interview)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    person = interview.person
    if identity is not None and person is not None:
        for name in IDENTITY_FIELDS:
            setattr(person, name, identity.get(name, "").strip())
        try:
            person.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    interview.save(update_fields=list(values))
    if identity is not None and person is not None:
        person.save(update_fields=list(IDENTITY_FIELDS))
    VisitChange.mark(visit.pk)
    return interview
