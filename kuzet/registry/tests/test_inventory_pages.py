"""The inventory list and the institution page."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kuzet.conftest import InstitutionFactory
from kuzet.people.models import User
from kuzet.registry.models import Department, InstitutionType, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def inventory(own_region: Region, other_region: Region) -> dict[str, object]:
    today = timezone.localdate()
    psychiatric = InstitutionType.objects.get(code="psychiatric")
    return {
        "ivs": InstitutionFactory(
            name_ru="ИВС Медеуского района", last_visited_on=today - timedelta(days=30)
        ),
        "hospital": InstitutionFactory(
            name_ru="Городская психиатрическая больница",
            name_kk="Қалалық психиатриялық аурухана",
            type=psychiatric,
            last_visited_on=today - timedelta(days=400),
        ),
        "never": InstitutionFactory(name_ru="ИВС Астаны", region=other_region),
    }


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [i.name_ru for i in response.context["page"].object_list]


def test_filters_by_region_department_type_and_text(
    participant: User, client_for: Callable[[User], Client], inventory: dict, own_region: Region
) -> None:
    client = client_for(participant)
    assert names(client.get("/inventory/", {"region": own_region.pk})) == [
        "Городская психиатрическая больница",
        "ИВС Медеуского района",
    ]
    health = Department.objects.get(code="health")
    assert names(client.get("/inventory/", {"department": health.pk})) == [
        "Городская психиатрическая больница"
    ]
    ivs = InstitutionType.objects.get(code="ivs")
    assert names(client.get("/inventory/", {"type": ivs.pk, "q": "астан"})) == ["ИВС Астаны"]
    assert names(client.get("/inventory/", {"q": "аурухана"})) == [
        "Городская психиатрическая больница"
    ]


def test_sorts_by_days_since_the_last_visit_never_visited_first(
    participant: User, client_for: Callable[[User], Client], inventory: dict
) -> None:
    response = client_for(participant).get("/inventory/", {"sort": "-days"})
    assert names(response) == [
        "ИВС Астаны",
        "Городская психиатрическая больница",
        "ИВС Медеуского района",
    ]
    assert "400" in response.content.decode()


def test_an_unknown_filter_value_gives_a_valid_page_that_says_so(
    participant: User, client_for: Callable[[User], Client], inventory: dict
) -> None:
    response = client_for(participant).get(
        "/inventory/", {"region": "999999", "sort": "bogus", "page": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert b"were not understood" in response.content
    assert len(names(response)) == 3


def test_the_institution_page_shows_the_record_and_the_legal_basis(
    participant: User, client_for: Callable[[User], Client], inventory: dict
) -> None:
    hospital = inventory["hospital"]
    response = client_for(participant).get(f"/inventory/{hospital.pk}/", HTTP_ACCEPT_LANGUAGE="en")  # type: ignore[attr-defined]
    content = response.content.decode()
    assert response.status_code == 200
    assert "Городская психиатрическая больница" in content
    assert "ст. 191" in content  # the Health Code article that puts psychiatric wards in scope
    assert "400 days ago" in content
    assert "Edit in administration" not in content


def test_a_missing_institution_is_a_404(
    participant: User, client_for: Callable[[User], Client]
) -> None:
    assert client_for(participant).get("/inventory/987654/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(inventory: dict) -> None:
    response = Client().get("/inventory/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("language", "heading", "region_name"),
    [
        ("ru", "Реестр", "город Алматы"),
        ("kk", "тізілімі", "Алматы қаласы"),
        ("en", "Inventory of places of deprivation of liberty", "Almaty city"),
    ],
)
def test_the_list_speaks_russian_kazakh_and_english(
    participant: User,
    client_for: Callable[[User], Client],
    inventory: dict,
    language: str,
    heading: str,
    region_name: str,
) -> None:
    response = client_for(participant).get("/inventory/", HTTP_ACCEPT_LANGUAGE=language)
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert heading in content and region_name in content
