"""Pages for a signed-in user are kept out of every cache (they may show identities,
interviews, allegations and internal reports); the field app's shell keeps its own rule."""

from collections.abc import Callable

import pytest
from django.test import Client

from kuzet.people.models import User
from kuzet.visits.models import Visit

pytestmark = pytest.mark.django_db


def test_every_page_of_a_visit_is_no_store(
    visit: Visit, leader: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(leader)
    pages = [
        "/visits/",
        f"/visits/{visit.pk}/",
        f"/visits/{visit.pk}/interviews/",
        f"/visits/{visit.pk}/allegations/",
        f"/visits/{visit.pk}/findings/",
        f"/visits/{visit.pk}/responses/",
        f"/visits/{visit.pk}/media/",
        f"/visits/{visit.pk}/review/",
        f"/reports/visit/{visit.pk}/",
        "/recommendations/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, (url, response["Cache-Control"])


def test_the_field_shell_keeps_its_own_caching(
    leader: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(leader).get("/field/")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
