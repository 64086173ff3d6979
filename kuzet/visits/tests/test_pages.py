"""Visit pages: who sees which visit, planning through the form, taking steps."""

from collections.abc import Callable

import pytest
from django.test import Client

from kuzet.conftest import InstitutionFactory
from kuzet.core.models import AuditEvent
from kuzet.core.policy import Role
from kuzet.people.models import User
from kuzet.registry.models import Region
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


def test_the_team_the_coordinator_and_the_secretariat_see_the_visit(
    visit: Visit,
    leader: User,
    member: User,
    coordinator: User,
    secretariat: User,
    client_for: Callable[[User], Client],
) -> None:
    for user in (leader, member, coordinator, secretariat):
        for tab in ("", "responses/", "interviews/", "findings/", "allegations/", "media/"):
            response = client_for(user).get(f"/visits/{visit.pk}/{tab}")
            assert response.status_code == 200, tab
            assert "ИВС Алмалинского района" in response.content.decode()
        assert visit in client_for(user).get("/visits/").context["visits"]


def test_a_participant_of_another_region_gets_404_and_an_audit_entry(
    visit: Visit,
    make_user: Callable[..., User],
    other_region: Region,
    client_for: Callable[[User], Client],
) -> None:
    stranger = make_user(Role.PARTICIPANT, region=other_region, username="stranger")
    client = client_for(stranger)
    assert client.get(f"/visits/{visit.pk}/").status_code == 404
    assert client.get(f"/visits/{visit.pk}/findings/").status_code == 404
    assert client.post(f"/visits/{visit.pk}/step/", {"to_status": "preparation"}).status_code == 404
    denied = AuditEvent.objects.filter(action="access_denied", object_id=str(visit.pk))
    assert denied.count() == 3 and set(denied.values_list("actor_username", flat=True)) == {
        "stranger"
    }
    assert list(client.get("/visits/").context["visits"]) == []
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PLANNED


def test_planning_through_the_form(
    coordinator: User, leader: User, member: User, client_for: Callable[[User], Client]
) -> None:
    institution = InstitutionFactory(name_ru="СИЗО-1")
    client = client_for(coordinator)
    response = client.post(
        "/visits/plan/",
        {
            "institution": institution.pk,
            "kind": "regular",
            "planned_date": "2026-12-10",
            "leader": leader.pk,
            "members": [member.pk],
            "objectives": "Плановое посещение",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/visits/{visit.pk}/"
    assert visit.team.count() == 2


def test_a_team_of_one_is_refused_on_the_form(
    coordinator: User, leader: User, client_for: Callable[[User], Client]
) -> None:
    institution = InstitutionFactory()
    response = client_for(coordinator).post(
        "/visits/plan/",
        {
            "institution": institution.pk,
            "kind": "regular",
            "planned_date": "2026-12-10",
            "leader": leader.pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 422 and b"at least two people" in response.content
    assert not Visit.objects.exists()


def test_taking_a_step_from_the_page(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    page = client.get(f"/visits/{visit.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Move to “in preparation”" in page
    client.post(f"/visits/{visit.pk}/step/", {"to_status": "preparation"})
    visit.refresh_from_db()
    assert visit.status == Visit.Status.PREPARATION
    response = client.post(
        f"/visits/{visit.pk}/step/",
        {"to_status": "approved"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert b"cannot go from" in response.content


def test_the_calendar_shows_the_visit_on_its_day(
    visit: Visit, member: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(member)
    page = client.get("/visits/", {"view": "calendar", "month": "2026-12"})
    days = {day: visits for week in page.context["weeks"] for day, visits in week}
    assert days[visit.planned_date] == [visit]
    assert sum(len(v) for v in days.values()) == 1
    assert f"/visits/{visit.pk}/" in page.content.decode()
    november = client.get("/visits/", {"view": "calendar", "month": "2026-11"})
    assert all(not v for week in november.context["weeks"] for _day, v in week
               if _day.month == 11)  # fmt: skip
    for bad in ("2026-13", "soon", ""):
        assert client.get("/visits/", {"view": "calendar", "month": bad}).status_code == 200


def test_planning_from_an_institution_page_preselects_it(
    visit: Visit, coordinator: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(coordinator)
    institution = visit.institution
    assert (
        f"/visits/plan/?institution={institution.pk}"
        in client.get(f"/inventory/{institution.pk}/").content.decode()
    )
    form = client.get("/visits/plan/", {"institution": institution.pk}).context["form"]
    assert str(form["institution"].value()) == str(institution.pk)


def test_every_page_of_the_workspace_opens_for_the_team(
    visit: Visit, leader: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(leader)
    for path in (
        "",
        "responses/",
        "interviews/",
        "interviews/new/",
        "findings/",
        "findings/new/",
        "allegations/",
        "allegations/new/",
        "media/",
        "recommendations/",
        "review/",
    ):
        assert client.get(f"/visits/{visit.pk}/{path}").status_code == 200, path
    assert client.get(f"/recommendations/visit/{visit.pk}/new/").status_code == 200
    assert client.get(f"/visits/{visit.pk}/no-such-tab/").status_code == 404
