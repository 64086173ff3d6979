"""The records a tablet submits (docs/field-api.md), checked and applied through the
visit and recommendation services, so that a record from the field obeys exactly the
rules of the web forms.

Records refer to each other by their client UUIDs; a reference is resolved through the
``Submission`` rows of the same visit, and one not received yet is a ``MissingReference``
(the tablet sends the record again after the others).
"""

import uuid as uuid_module
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic import ValidationError as SchemaError

from kuzet.core.lookups import remembered
from kuzet.field.models import Submission
from kuzet.instruments.models import InstrumentVersion
from kuzet.instruments.validation import validate_response
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.recommendations.services import recommendation_record
from kuzet.visits.models import Allegation, CodedPerson, ComplianceMark, Finding, Interview, Visit
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record
from kuzet.visits.services.responses import NewResponse, response_prepare, responses_insert

RecordType = Literal["interview", "response", "finding", "allegation", "recommendation"]
_OPEN = ConfigDict(extra="ignore")  # a newer app may send fields this server does not know


class Record(BaseModel):
    model_config = _OPEN
    uuid: uuid_module.UUID
    type: RecordType
    visit: StrictInt
    # Every time carries its offset from UTC (docs/field-api.md): a time without one is
    # refused rather than guessed in some zone.
    created_at: AwareDatetime | None = None
    finalized_at: AwareDatetime | None = None
    device: StrictStr = ""
    data: dict[str, Any]


class Identity(BaseModel):
    model_config = _OPEN
    full_name: StrictStr = ""
    birth_date: StrictStr = ""
    cell: StrictStr = ""


class InterviewData(BaseModel):
    model_config = _OPEN
    kind: StrictStr = ""
    conducted_at: AwareDatetime
    time_note: StrictStr = ""
    person_code: StrictStr = ""
    identity: Identity | None = None
    consent_interview: StrictBool = False
    consent_quote: StrictBool = False
    consent_identify: StrictBool = False
    consent_transmit: StrictBool = False
    vulnerabilities: list[StrictStr] = Field(default_factory=list)
    fears_reprisals: StrictBool | None = None
    reprisal_risk: StrictStr = Interview.Risk.UNKNOWN
    follow_up_on: date | None = None
    notes: StrictStr = ""


class ResponseData(BaseModel):
    model_config = _OPEN
    version: StrictInt
    interview: uuid_module.UUID | None = None
    answers: dict[str, Any]


class ItemRef(BaseModel):
    model_config = _OPEN
    response: uuid_module.UUID
    path: StrictStr


class FindingData(BaseModel):
    model_config = _OPEN
    theme: StrictStr = ""
    title: StrictStr = ""
    description: StrictStr = ""
    sources: list[StrictStr] = Field(default_factory=list)
    good_practice: StrictBool = False
    severity: StrictStr = ""
    obstacle: StrictStr = ""
    interviews: list[uuid_module.UUID] = Field(default_factory=list)
    items: list[ItemRef] = Field(default_factory=list)
    no_recommendation_reason: StrictStr = ""


class AllegationData(BaseModel):
    model_config = _OPEN
    person_code: StrictStr = ""
    kind: StrictStr = Allegation.Kind.ILL_TREATMENT
    occurred_on: date | None = None
    place: StrictStr = ""
    circumstances: StrictStr = ""
    perpetrator: StrictStr = ""
    methods: list[StrictStr] = Field(default_factory=list)
    injuries_observed: StrictStr = ""
    medical_documentation: StrictBool | None = None
    witnesses: StrictStr = ""
    consent_transmit: StrictBool = False
    referral: StrictStr = Allegation.Referral.NONE
    extent: StrictStr = Allegation.Extent.UNKNOWN


class RecommendationData(BaseModel):
    model_config = _OPEN
    # Either language may be written first; one of the two is required (issue 16).
    text_ru: StrictStr = Field(
        "", description="The text in Russian; may be empty when text_kk is written."
    )
    text_kk: StrictStr = Field(
        "", description="The text in Kazakh; may be empty when text_ru is written."
    )
    addressee: StrictInt
    level: StrictStr = Recommendation.Level.INSTITUTION
    theme: StrictStr = ""
    priority: StrictStr = Recommendation.Priority.MEDIUM
    deadline: date | None = None
    findings: list[uuid_module.UUID] = Field(default_factory=list)


class RecordRejected(Exception):
    """The record breaks a rule: ``errors`` lists the problems (or, for answers, maps
    question paths to them); ``fields`` maps the record's fields to theirs."""

    def __init__(
        self,
        errors: list[str] | dict[str, list[str]],
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__("record rejected")
        self.errors = errors
        self.fields = fields or {}


class MissingReference(Exception):
    """The record refers to records (by UUID) that have not been received yet."""

    def __init__(self, uuids: list[str]) -> None:
        super().__init__("missing reference")
        self.uuids = uuids


def schema_problems(error: SchemaError, prefix: str = "") -> dict[str, list[str]]:
    """Pydantic's errors by path (``data.items[0].path``), without the values sent."""
    problems: dict[str, list[str]] = {}
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        path = prefix
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        problems.setdefault(path or "(record)", []).append(item["msg"])
    return problems


def rejected_by_schema(error: SchemaError, prefix: str = "") -> RecordRejected:
    fields = schema_problems(error, prefix)
    return RecordRejected([f"{path}: {m}" for path, ms in fields.items() for m in ms], fields)


def rejected_by_service(error: ValidationError) -> RecordRejected:
    """The service's own messages, as the web forms show them."""
    if hasattr(error, "error_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
        return RecordRejected([m for ms in fields.values() for m in ms], fields)
    return RecordRejected([str(m) for m in error.messages])


def parse_data(record: Record) -> BaseModel:
    schema: type[BaseModel] = DATA_SCHEMAS[record.type]
    try:
        return schema.model_validate(record.data)
    except SchemaError as error:
        raise rejected_by_schema(error, "data") from None


def _resolve(visit: Visit, kind: str, uuids: list[uuid_module.UUID], field: str) -> list[int]:
    """The ids of the objects the referenced records became, in the order given."""
    if not uuids:
        return []
    found = {s.uuid: s for s in Submission.objects.filter(uuid__in=uuids)}
    missing = [str(u) for u in uuids if u not in found]
    if missing:
        raise MissingReference(missing)
    if any(s.visit_id != visit.pk or s.type != kind for s in found.values()):
        raise RecordRejected(
            [_("The record refers to a record of another visit or of another kind.")],
            {field: [_("The record refers to a record of another visit or of another kind.")]},
        )
    return [found[u].object_id for u in uuids]


def _apply_interview(*, actor: Any, visit: Visit, data: Any) -> Interview:
    assert isinstance(data, InterviewData)
    identity = data.identity.model_dump() if data.identity and data.person_code else None
    return interview_record(
        actor=actor,
        visit=visit,
        kind=data.kind,
        conducted_at=data.conducted_at,
        time_note=data.time_note,
        person_code=data.person_code.strip(),
        identity=identity,
        consent_interview=data.consent_interview,
        consent_quote=data.consent_quote,
        consent_identify=data.consent_identify,
        consent_transmit=data.consent_transmit,
        vulnerabilities=list(data.vulnerabilities),
        fears_reprisals=data.fears_reprisals,
        reprisal_risk=data.reprisal_risk,
        follow_up_on=data.follow_up_on,
        notes=data.notes,
    )


def prepare_response(*, actor: Any, visit: Visit, data: Any) -> NewResponse:
    """A response record checked and counted, for ``responses_insert`` to store (with the
    other responses of a batch); raises RecordRejected, MissingReference or
    PermissionDenied, having stored nothing."""
    assert isinstance(data, ResponseData)
    version = remembered(
        ("published_version", data.version),
        lambda: (
            InstrumentVersion.objects.filter(
                pk=data.version, status=InstrumentVersion.Status.PUBLISHED
            )
            .select_related("instrument")
            .first()
        ),
    )
    if version is None:
        message = _("Only a published version of an instrument can be filled.")
        raise RecordRejected([message], {"version": [message]})
    interview = None
    if data.interview is not None:
        [interview_id] = _resolve(visit, Submission.Type.INTERVIEW, [data.interview], "interview")
        interview = Interview.objects.get(pk=interview_id)
    # Validated once: the same result decides the record and gives the stored counts.
    result = validate_response(version.document, data.answers)
    if result.errors:
        raise RecordRejected(result.errors)
    try:
        return response_prepare(
            actor=actor,
            visit=visit,
            version=version,
            interview=interview,
            answers=data.answers,
            validated=result,
        )
    except ValidationError as error:
        raise rejected_by_service(error) from None


def _apply_response(*, actor: Any, visit: Visit, data: Any) -> Any:
    new = prepare_response(actor=actor, visit=visit, data=data)
    responses_insert([new])
    return new.response


def _apply_finding(*, actor: Any, visit: Visit, data: Any) -> Finding:
    assert isinstance(data, FindingData)
    interview_ids = _resolve(visit, Submission.Type.INTERVIEW, data.interviews, "interviews")
    response_ids = _resolve(
        visit, Submission.Type.RESPONSE, [i.response for i in data.items], "items"
    )
    marks: list[ComplianceMark] = []
    if data.items:
        wanted = Q()
        for response_id, item in zip(response_ids, data.items, strict=True):
            wanted |= Q(response_id=response_id, path=item.path)
        found = {
            (m.response_id, m.path): m
            for m in ComplianceMark.objects.filter(wanted).select_related("response")
        }
        absent = [
            item.path
            for response_id, item in zip(response_ids, data.items, strict=True)
            if (response_id, item.path) not in found
        ]
        if absent:
            messages = [
                _("“%(path)s” is not an answered checklist item of that response.") % {"path": p}
                for p in absent
            ]
            raise RecordRejected(messages, {"items": messages})
        marks = list(found.values())
    return finding_record(
        actor=actor,
        visit=visit,
        theme=data.theme,
        title=data.title,
        description=data.description,
        sources=list(data.sources),
        good_practice=data.good_practice,
        severity=data.severity,
        obstacle=data.obstacle,
        interviews=list(Interview.objects.filter(pk__in=interview_ids)),
        items=marks,
        no_recommendation_reason=data.no_recommendation_reason,
    )


def _apply_allegation(*, actor: Any, visit: Visit, data: Any) -> Allegation:
    assert isinstance(data, AllegationData)
    code = data.person_code.strip()
    if not code:
        message = _("Give the code of a person interviewed on this visit.")
        raise RecordRejected([message], {"person_code": [message]})
    person = CodedPerson.objects.filter(visit=visit, code=code).first()
    if person is None:
        # The interview that introduces the person may not have arrived yet.
        raise MissingReference([code])
    return allegation_record(
        actor=actor,
        visit=visit,
        person=person,
        kind=data.kind,
        circumstances=data.circumstances,
        perpetrator=data.perpetrator,
        methods=list(data.methods),
        occurred_on=data.occurred_on,
        place=data.place,
        injuries_observed=data.injuries_observed,
        medical_documentation=data.medical_documentation,
        witnesses=data.witnesses,
        consent_transmit=data.consent_transmit,
        referral=data.referral,
        extent=data.extent,
    )


def _apply_recommendation(*, actor: Any, visit: Visit, data: Any) -> Recommendation:
    assert isinstance(data, RecommendationData)
    addressee = Addressee.objects.filter(pk=data.addressee, is_active=True).first()
    if addressee is None:
        message = _("Choose an addressee from the list.")
        raise RecordRejected([message], {"addressee": [message]})
    finding_ids = _resolve(visit, Submission.Type.FINDING, data.findings, "findings")
    return recommendation_record(
        actor=actor,
        visit=visit,
        text_ru=data.text_ru,
        text_kk=data.text_kk,
        addressee=addressee,
        level=data.level,
        theme=data.theme,
        priority=data.priority,
        deadline=data.deadline,
        findings=list(Finding.objects.filter(pk__in=finding_ids)),
    )


DATA_SCHEMAS: dict[str, type[BaseModel]] = {
    Submission.Type.INTERVIEW: InterviewData,
    Submission.Type.RESPONSE: ResponseData,
    Submission.Type.FINDING: FindingData,
    Submission.Type.ALLEGATION: AllegationData,
    Submission.Type.RECOMMENDATION: RecommendationData,
}
APPLY: dict[str, Callable[..., Any]] = {
    Submission.Type.INTERVIEW: _apply_interview,
    Submission.Type.RESPONSE: _apply_response,
    Submission.Type.FINDING: _apply_finding,
    Submission.Type.ALLEGATION: _apply_allegation,
    Submission.Type.RECOMMENDATION: _apply_recommendation,
}


def apply_record(*, actor: Any, visit: Visit, record_type: str, data: BaseModel) -> Any:
    """Store the record through its service; raises RecordRejected, MissingReference or
    PermissionDenied, having stored nothing (the caller holds the transaction)."""
    try:
        return APPLY[record_type](actor=actor, visit=visit, data=data)
    except ValidationError as error:
        raise rejected_by_service(error) from None
