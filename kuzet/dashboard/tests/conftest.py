"""Data helpers for the dashboard tests: visits, interviews, allegations, answers.

They write rows directly, as ``generate_scale_data`` does, and so refresh the dashboard's
facts themselves; ``test_facts.py`` checks that the services do it on their own.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from kuzet.core.policy import Role
from kuzet.dashboard.facts import visit_facts_refresh
from kuzet.instruments.models import Instrument, InstrumentVersion
from kuzet.people.models import User
from kuzet.recommendations.models import Addressee, Recommendation
from kuzet.registry.models import Institution
from kuzet.visits.models import Allegation, CodedPerson, ComplianceMark, Interview, Response, Visit

DOCUMENT = {
    "format": "kuzet-instrument/1",
    "code": "test-checklist",
    "kind": "checklist",
    "title": {"ru": "Тест", "kk": "Тест"},
    "sections": [
        {
            "name": "conditions",
            "label": {"ru": "Условия", "kk": "Жағдай"},
            "items": [
                {"kind": "question", "name": "light", "type": "compliance",
                 "label": {"ru": "Есть ли дневной свет в камерах?", "kk": "Камераларда күндізгі жарық бар ма?", "en": "Is there daylight in the cells?"}},
                {"kind": "question", "name": "water", "type": "compliance",
                 "label": {"ru": "Есть ли питьевая вода?", "kk": "Ауыз су бар ма?", "en": "Is there drinking water?"}},
            ],
        }
    ],
}  # fmt: skip


def in_this_year(month: int, day: int = 10) -> date:
    return date(timezone.localdate().year, month, day)


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(Role.SECRETARIAT, username="author")


@pytest.fixture
def make_visit(author: User) -> Callable[..., Visit]:
    def make(
        institution: Institution,
        day: date,
        status: str = Visit.Status.CLOSED,
        kind: str = Visit.Kind.REGULAR,
    ) -> Visit:
        started = None
        if status not in (Visit.Status.PLANNED, Visit.Status.PREPARATION):
            started = timezone.make_aware(datetime.combine(day, time(10)))
        visit = Visit(
            institution=institution,
            region_id=institution.region_id,
            kind=kind,
            status=status,
            planned_date=day,
            started_at=started,
            ended_at=started + timedelta(hours=3) if started else None,
            theme="тема" if kind == Visit.Kind.THEMATIC else "",
            created_by=author,
        )
        visit.save()
        visit_facts_refresh(visit.pk)
        return visit

    return make


@pytest.fixture
def make_interview(author: User) -> Callable[..., Interview]:
    def make(visit: Visit, code: str, **fields: Any) -> Interview:
        person = CodedPerson(visit=visit, code=code, full_name=fields.pop("full_name", ""))
        person.save()
        interview = Interview(
            visit=visit,
            person=person,
            consent_interview=True,
            conducted_by=author,
            conducted_at=visit.started_at or timezone.now(),
            **fields,
        )
        interview.save()
        visit_facts_refresh(visit.pk)
        return interview

    return make


@pytest.fixture
def make_allegation(author: User) -> Callable[..., Allegation]:
    def make(interview: Interview, kind: str) -> Allegation:
        allegation = Allegation(
            visit=interview.visit,
            person=interview.person,
            kind=kind,
            circumstances="обстоятельства",
            perpetrator=Allegation.Perpetrator.POLICE,
            methods=["beating"],
            created_by=author,
        )
        allegation.save()
        visit_facts_refresh(interview.visit_id)
        return allegation

    return make


@pytest.fixture
def version(db: Any) -> InstrumentVersion:
    instrument = Instrument(code="test-checklist", title_ru="Тест", title_kk="Тест")
    instrument.save()
    v = InstrumentVersion(instrument=instrument, number=1, label="1", document=DOCUMENT,
                          content_hash="x", status=InstrumentVersion.Status.PUBLISHED)  # fmt: skip
    v.save()
    return v


@pytest.fixture
def answer(author: User, version: InstrumentVersion) -> Callable[..., Response]:
    """answer(visit, light="non_compliant", water="compliant"): a checklist with its marks."""

    def make(visit: Visit, **values: str) -> Response:
        response = Response(visit=visit, version=version, answers=values, started_by=author)
        response.save()
        ComplianceMark.objects.bulk_create(
            ComplianceMark(response=response, path=q, question=q, section="conditions", value=v)
            for q, v in values.items()
        )
        visit_facts_refresh(visit.pk)
        return response

    return make


@pytest.fixture
def addressee(db: Any) -> Addressee:
    a = Addressee(code="akimat-test", name_ru="Акимат (тест)", kind=Addressee.Kind.AKIMAT)
    a.save()
    return a


@pytest.fixture
def recommend(author: User, addressee: Addressee) -> Callable[..., Recommendation]:
    def make(
        visit: Visit, status: str, deadline: date | None = None, **fields: Any
    ) -> Recommendation:
        r = Recommendation(
            visit=visit,
            text_ru="Обеспечить доступ к питьевой воде во всех камерах учреждения.",
            addressee=fields.pop("addressee", addressee),
            theme="material_conditions",
            status=status,
            deadline=deadline,
            created_by=author,
        )
        r.save()
        visit_facts_refresh(visit.pk)
        return r

    return make
