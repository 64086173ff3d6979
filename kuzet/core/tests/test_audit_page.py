"""The audit trail page read by people: who (name and role), what, which record, which
fields by their labels; filters by person, record, action and period; bad filters said
in words; never an interviewed person's identity; a fixed number of queries per page."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kuzet.conftest import InstitutionFactory
from kuzet.core.audit import acting_as
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.visits.models import Interview, Visit
from kuzet.visits.services.interviews import interview_record

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
IDENTITY = {
    "full_name": "Серикбаев Ержан Болатович", "birth_date": "1990-04-12", "cell": "камера 14",
}  # fmt: skip


def page(client: Client, **params: str) -> str:
    response = client.get("/audit/", params, **EN)
    assert response.status_code == 200
    return response.content.decode()


def test_events_read_as_who_what_which_record_and_field_labels(
    auditor: User, secretariat: User, client_for: Callable[[User], Client]
) -> None:
    with acting_as(secretariat):
        institution = InstitutionFactory(name_ru="Учреждение журнала", capacity=50)
        institution.capacity = 60
        institution.save()
    html = page(client_for(auditor), type="registry.institution", record=str(institution.pk))
    assert secretariat.full_name in html
    assert "secretariat" in html.lower()  # the role, in words
    assert "Institution" in html and "Учреждение журнала" in html
    assert f'href="/inventory/{institution.pk}/"' in html
    assert "Capacity: 50 → 60" in html
    assert "Capacity: 50</span>" in html  # the creation: the value set, no "— →"
    assert "— →" not in html and "ID:" not in html
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "registry.institution" not in table and "capacity" not in table
    assert "updated" in html.lower() and "created" in html.lower()


def test_an_interviewed_persons_identity_never_appears(
    auditor: User, member: User, visit: Visit, client_for: Callable[[User], Client]
) -> None:
    interview = interview_record(
        actor=member, visit=visit, kind=Interview.Kind.INDIVIDUAL, conducted_at=timezone.now(),
        person_code="A-07", identity=IDENTITY, consent_interview=True,
        notes="Жалуется на холод в камере",
    )  # fmt: skip
    html = page(client_for(auditor))
    for secret in ("Серикбаев", "1990-04-12", "камера 14", "холод"):
        assert secret not in html
    assert f"Interview #{interview.pk}" in html  # named by its number only
    assert "Full name (changed)" in html.replace('<span class="muted">', "").replace("</span>", "")
    only_people = page(client_for(auditor), type="visits.codedperson")
    assert "Серикбаев" not in only_people and "Coded person" in only_people


def test_filters_by_person_action_type_and_period(
    auditor: User, secretariat: User, administrator: User, client_for: Callable[[User], Client]
) -> None:
    with acting_as(secretariat):
        InstitutionFactory(name_ru="Первое")
    with acting_as(administrator):
        InstitutionFactory(name_ru="Второе")
    client = client_for(auditor)
    by_secretariat = page(client, person=str(secretariat.pk))
    assert "Первое" in by_secretariat and "Второе" not in by_secretariat
    created = page(client, action="create", type="registry.institution")
    assert "Первое" in created and "Второе" in created
    assert "No event matches" in page(client, action="logout")
    today = timezone.localdate()
    assert "Первое" in page(client, **{"from": today.isoformat(), "to": today.isoformat()})
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "No event matches" in page(client, **{"from": tomorrow})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"person": "99999999999999999999"}, "Person: choose someone"),
        ({"person": "x"}, "Person: choose someone"),
        ({"type": "people.nothing"}, "Record type: choose one"),
        ({"type": "registry.institution", "record": "-1"}, "Record number: a whole number"),
        ({"record": "5"}, "Record number: choose the record type"),
        ({"action": "explode"}, "Action: choose one"),
        ({"from": "2026-02-30"}, "From: a date"),
        ({"to": "31.12.2026"}, "To: a date"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "the dates are swapped"),
        ({"page": "\x00"}, ""),
    ],
)
def test_bad_filters_are_said_in_words_never_a_failure(
    params: dict[str, str], message: str, auditor: User, client_for: Callable[[User], Client]
) -> None:
    html = page(client_for(auditor), **params)
    assert message in html


def test_who_may_read_the_page_is_unchanged(
    make_user: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    for role in Role:
        status = client_for(make_user(role)).get("/audit/").status_code
        # An addressee's official meets a 404 outside the portal.
        refused = 404 if role == Role.ADDRESSEE else 403
        assert status == (200 if role in {Role.AUDITOR, Role.ADMINISTRATOR} else refused), role


def test_the_administrator_gets_no_link_to_visit_content(
    administrator: User, auditor: User, visit: Visit, client_for: Callable[[User], Client]
) -> None:
    assert f'href="/visits/{visit.pk}/"' not in page(client_for(administrator), type="visits.visit")
    assert f'href="/visits/{visit.pk}/"' in page(client_for(auditor), type="visits.visit")


def test_a_page_takes_the_same_queries_for_few_or_many_events(
    auditor: User, secretariat: User, member: User, visit: Visit,
    client_for: Callable[[User], Client],
) -> None:  # fmt: skip
    client = client_for(auditor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client)
        return len(captured)

    def events(rounds: int) -> None:
        for n in range(rounds):
            with acting_as(secretariat):
                institution = InstitutionFactory()
                institution.capacity = n + 1
                institution.save()
            interview_record(
                actor=member, visit=visit, kind=Interview.Kind.INDIVIDUAL,
                conducted_at=timezone.now(), person_code=f"B-{n}", identity=IDENTITY,
                consent_interview=True,
            )  # fmt: skip

    events(1)
    few = queries()
    events(30)
    assert AuditEvent.objects.count() > 100
    # The later page holds fewer kinds of record (the first events moved to page 2).
    assert queries() <= few
