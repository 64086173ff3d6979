"""Findings rest on facts and sources; allegations are never transmitted without consent."""

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.visits.models import Allegation, Finding, Interview, Visit
from kuzet.visits.services.findings import allegation_record, finding_record
from kuzet.visits.services.interviews import interview_record

pytestmark = pytest.mark.django_db
FACTS = "В камере № 3 площадью 8 м² содержались шесть человек, спальных мест четыре, двое спали на полу."


def interview(actor: User, visit: Visit, *, transmit: bool) -> Interview:
    return interview_record(
        actor=actor, visit=visit, kind=Interview.Kind.INDIVIDUAL, conducted_at=timezone.now(), person_code="A-01",
        consent_interview=True, consent_transmit=transmit,
    )  # fmt: skip


def finding(actor: User, visit: Visit, **kwargs: object) -> Finding:
    values: dict[str, object] = {
        "theme": "material_conditions", "title": "Переполненность камер", "description": FACTS,
        "sources": ["observation", "documents"], "severity": Finding.Severity.HIGH,
    }  # fmt: skip
    values.update(kwargs)
    return finding_record(actor=actor, visit=visit, **values)  # type: ignore[arg-type]


def test_a_finding_with_facts_and_sources_is_recorded_and_linked(
    visit: Visit, member: User
) -> None:
    talk = interview(member, visit, transmit=False)
    recorded = finding(member, visit, interviews=[talk])
    assert list(recorded.interviews.all()) == [talk]
    assert AuditEvent.objects.filter(object_type="visits.finding", fields=["interviews"]).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "Условия плохие."}, "description"),  # a "standard answer"
        ({"sources": []}, "sources"),
        ({"sources": ["rumour"]}, "sources"),
        ({"severity": ""}, "severity"),
        ({"good_practice": True}, "severity"),
        ({"obstacle": Finding.Obstacle.DOCUMENTS_REFUSED}, "obstacle"),
    ],
)
def test_an_empty_or_unsupported_finding_is_refused(
    visit: Visit, member: User, changes: dict, field: str
) -> None:
    with pytest.raises(ValidationError) as failure:
        finding(member, visit, **changes)
    assert field in failure.value.message_dict
    assert not Finding.objects.exists()


def test_an_obstacle_to_access_is_a_finding_of_its_own(visit: Visit, leader: User) -> None:
    recorded = finding(
        leader, visit, theme="access", title="Задержка допуска", obstacle=Finding.Obstacle.ACCESS_DELAYED,
        description="Группу не пускали в здание 55 минут, ссылаясь на отсутствие начальника учреждения на месте.",
    )  # fmt: skip
    assert recorded.obstacle == "access_delayed"


def test_an_allegation_is_encrypted_and_not_transmitted_without_consent(
    visit: Visit, member: User
) -> None:
    talk = interview(member, visit, transmit=False)
    values = {"kind": Allegation.Kind.ILL_TREATMENT, "circumstances": "Избили при доставлении в ИВС, в коридоре.",
              "perpetrator": Allegation.Perpetrator.POLICE, "methods": ["beating", "threats"]}  # fmt: skip
    with pytest.raises(ValidationError, match="not transmitted"):
        allegation_record(
            actor=member,
            visit=visit,
            person=talk.person,
            referral=Allegation.Referral.PROSECUTOR,
            consent_transmit=False,
            **values,
        )  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="records consent"):
        allegation_record(
            actor=member,
            visit=visit,
            person=talk.person,
            referral=Allegation.Referral.PROSECUTOR,
            consent_transmit=True,
            **values,
        )  # type: ignore[arg-type]
    kept = allegation_record(actor=member, visit=visit, person=talk.person, **values)  # type: ignore[arg-type]
    with connection.cursor() as cursor:
        cursor.execute("SELECT circumstances FROM visits_allegation WHERE id = %s", [kept.pk])
        assert "Избили" not in cursor.fetchone()[0]
    assert "Избили" not in " ".join(str(e.values) for e in AuditEvent.objects.all())


def test_an_allegation_with_consent_is_referred(visit: Visit, member: User) -> None:
    talk = interview(member, visit, transmit=True)
    allegation = allegation_record(
        actor=member, visit=visit, person=talk.person, kind=Allegation.Kind.REPRISAL,  # type: ignore[arg-type]
        circumstances="После прошлого посещения НПМ переведён в ШИЗО без оснований.", perpetrator=Allegation.Perpetrator.PENAL,
        methods=["isolation"], consent_transmit=True, referral=Allegation.Referral.COMMISSIONER,
    )  # fmt: skip
    assert allegation.referral == "commissioner"


def test_only_the_team_records_and_only_until_approval(
    visit: Visit, member: User, make_user: Callable[..., User]
) -> None:
    stranger = make_user(Role.PARTICIPANT, username="stranger")
    with pytest.raises(PermissionDenied):
        finding(stranger, visit)
    Visit.objects.filter(pk=visit.pk).update(status=Visit.Status.APPROVED)
    visit.refresh_from_db()
    with pytest.raises(ValidationError, match="approved"):
        finding(member, visit)


def test_findings_and_allegations_through_the_pages(
    visit: Visit, member: User, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    talk = interview(member, visit, transmit=False)
    response = client.post(
        f"/visits/{visit.pk}/findings/new/",
        {
            "theme": "material_conditions",
            "title": "Переполненность",
            "description": FACTS,
            "sources": ["observation"],
            "severity": "high",
            "interviews": [talk.pk],
        },
    )
    assert response.status_code == 302, response.content[:500]
    response = client.post(
        f"/visits/{visit.pk}/findings/new/",
        {
            "theme": "treatment",
            "title": "x",
            "description": "Всё плохо",
            "sources": ["observation"],
            "severity": "low",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422 and b"at least 8 words" in response.content
    client.post(
        f"/visits/{visit.pk}/allegations/new/",
        {
            "person": talk.person.pk,
            "kind": "ill_treatment",
            "circumstances": "Удары дубинкой при задержании",  # type: ignore[union-attr]
            "perpetrator": "police",
            "methods": ["beating"],
            "referral": "none",
            "extent": "unknown",
        },
    )
    assert Allegation.objects.count() == 1
    page = client.get(f"/visits/{visit.pk}/findings/").content.decode()
    assert "Переполненность" in page
    assert "Удары дубинкой" in client.get(f"/visits/{visit.pk}/allegations/").content.decode()
    assert "непосредственное наблюдение" in page  # sources by name, not code
    assert (
        "Удары дубинкой"
        not in client_for(coordinator).get(f"/visits/{visit.pk}/allegations/").content.decode()
    )
